// Bundle-time stand-in for `whatwg-url` (pulled in by node-fetch@2, which the
// Tencent SDK uses). node-fetch only falls back to it when Node has no global
// URL; every supported Node has one, so the package (and its 265 KB tr46 table) is dead code.
module.exports = { URL: globalThis.URL };
