// Bundles the CLI (and the library entry) into dist/ so `car-reaper` runs on plain Node.
import { existsSync } from 'node:fs';
import { build } from 'esbuild';

const entryPoints = ['src/cli/main.ts', 'src/index.ts'].filter((entry) => existsSync(entry));

await build({
  entryPoints,
  outdir: 'dist',
  outbase: 'src',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  packages: 'external',
  logLevel: 'warning',
});
