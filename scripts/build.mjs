// Bundles the CLI (and the library entry) into dist/ so `car-reaper` runs on plain Node.
// With --types (npm run build, and `prepare` before npm pack), it also writes the
// library's declaration files into dist/ (tsconfig.build.json), which `types` points at.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const entryPoints = ['src/cli/main.ts', 'src/index.ts'].filter((entry) => existsSync(entry));

await build({
  entryPoints,
  outdir: 'dist',
  outbase: 'src',
  bundle: true,
  platform: 'node',
  // The CLI and the library still run on Node 20 (see README, "Node.js versions").
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  packages: 'external',
  logLevel: 'warning',
});

if (process.argv.includes('--types')) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
