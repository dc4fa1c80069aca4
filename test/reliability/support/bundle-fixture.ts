import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { bundleOptions } from '../../../scripts/function-bundles.mjs';

/** A fixture bundled into one ESM file that plain `node` runs. */
export interface BundledFixture {
  /** Path of the entry to give `node`. */
  entry: string;
  remove(): void;
}

/**
 * Bundles a TypeScript fixture with the Lambda functions' esbuild settings
 * (what is deployed is what crashes), unminified, into a temporary directory.
 * A child started from it loads in a fraction of the time `tsx` needs to
 * transpile the SDKs in every child, which matters when twenty are started.
 */
export async function bundleFixture(source: string): Promise<BundledFixture> {
  const outdir = mkdtempSync(join(tmpdir(), 'car-reaper-fixture-'));
  await build({
    ...bundleOptions({ entry: source, outdir }),
    minify: false,
    sourcemap: false,
    metafile: false,
    logLevel: 'error',
  });
  writeFileSync(join(outdir, 'package.json'), '{"type":"module"}\n');
  return {
    entry: join(outdir, 'index.js'),
    remove: () => rmSync(outdir, { recursive: true, force: true }),
  };
}
