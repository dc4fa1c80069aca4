// Bundle-time stand-in for `bowser`, a browser user-agent parser that the AWS
// SDK's core imports only from its browser user-agent provider (window's
// navigator). Node clients use the Node provider, so it is never loaded in a
// function; the stand-in keeps its 34 KB out of every bundle.
export const parse = () => ({});
export default { parse };
