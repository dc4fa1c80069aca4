#!/usr/bin/env node
// The AWS SDK warns on every command, after the real message, that its releases
// from January 2027 need Node 22; the README says which Node versions this CLI
// supports. Set for this process only: a library user's process keeps the warning.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import('../dist/cli/main.js').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli')) {
    console.error('car-reaper is not built: run `npm run build` first');
    process.exit(1);
  }
  throw error;
});
