// Bundle-time stand-in for `mime-types` (pulled in by form-data, which the
// Tencent SDK uses for multipart uploads). The CAR client sends JSON only, so
// no file part is ever typed; form-data falls back to
// application/octet-stream when lookup() answers false. Saves the 137 KB mime-db.
const none = () => false;
module.exports = {
  lookup: none,
  contentType: none,
  extension: none,
  charset: none,
  types: {},
  extensions: {},
};
