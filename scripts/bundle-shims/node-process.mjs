// Bundle-time stand-in for `node:process`, which the AWS SDK imports for `env`
// and `versions` (util-user-agent-node). Node builds an ES module facade of a
// built-in by reading every export once, and `process`'s getters then create
// stdin, stdout and stderr streams and parse the allowed flags: about 7 ms of a
// cold import, for values the global already holds. A named import that is not
// listed here fails the build, so nothing silently reads `undefined`.
const { process } = globalThis;

export default process;
export const env = process.env;
export const versions = process.versions;
