#!/usr/bin/env node
import('../dist/cli/main.js').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli')) {
    console.error('car-reaper is not built: run `npm run build` first');
    process.exit(1);
  }
  throw error;
});
