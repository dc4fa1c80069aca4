// The one esbuild configuration of the Lambda functions: used by the serverless
// plugin beside it (package, deploy function, invoke local) and by
// bench/bundle.bench.ts, so what is measured is what is deployed.
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parse } from 'yaml';

/** Function name -> entry point. serverless.yml names the same functions. */
export const FUNCTION_ENTRIES = {
  reap: 'functions/reap.ts',
  disconnect: 'functions/disconnect.ts',
  heartbeat: 'functions/heartbeat.ts',
};

/** Where bundles go: `<BUNDLE_DIR>/<name>/index.js` (handler `.esbuild/<name>/index.handler`). */
export const BUNDLE_DIR = '.esbuild';

const scripts = dirname(fileURLToPath(import.meta.url));
const shims = join(scripts, 'bundle-shims');

/**
 * The Lambda runtime of every function (`provider.runtime` in serverless.yml),
 * e.g. `nodejs24.x`, and the esbuild target that follows from it (`node24`):
 * the bundles are built for the Node.js that runs them.
 */
export function lambdaRuntime(file = join(scripts, '..', 'serverless.yml')) {
  const runtime = parse(readFileSync(file, 'utf8'))?.provider?.runtime;
  const major = /^nodejs(\d+)\.x$/.exec(String(runtime))?.[1];
  if (!major) throw new Error(`${file}: provider.runtime must be nodejs<major>.x, got ${runtime}`);
  return { runtime, nodeMajor: Number(major), target: `node${major}` };
}

/** esbuild options for one Lambda bundle (ESM, the runtime's Node, minified, tree-shaken, source maps). */
export function bundleOptions({ entry, outdir }) {
  return {
    entryPoints: { index: entry },
    outdir,
    bundle: true,
    platform: 'node',
    target: lambdaRuntime().target,
    format: 'esm',
    // Dynamic imports (SSM, Lambda and Tencent clients) become chunks loaded on first use.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    minify: true,
    treeShaking: true,
    sourcemap: true,
    // Prefer the ESM builds of the AWS SDK and Powertools: they tree-shake far better.
    mainFields: ['module', 'main'],
    legalComments: 'external',
    // Dead weight or needless start-up work of dependencies on Node (see each shim for why).
    alias: {
      'whatwg-url': join(shims, 'whatwg-url.cjs'),
      'mime-types': join(shims, 'mime-types.cjs'),
      bowser: join(shims, 'bowser.mjs'),
      'node:process': join(shims, 'node-process.mjs'),
      process: join(shims, 'node-process.mjs'),
    },
    // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
    banner: {
      js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
    },
    metafile: true,
    logLevel: 'warning',
  };
}

/**
 * Builds the named functions' bundles under `root`; each directory gets a
 * package.json marking `index.js` as ESM (the Lambda runtime and
 * `serverless invoke local` both read it). Returns bytes of each index.js.
 */
export async function buildFunctionBundles({
  root = process.cwd(),
  names = Object.keys(FUNCTION_ENTRIES),
} = {}) {
  const sizes = {};
  for (const name of names) {
    const entry = FUNCTION_ENTRIES[name];
    if (!entry)
      throw new Error(`no function named ${name}; known: ${Object.keys(FUNCTION_ENTRIES)}`);
    const outdir = join(root, BUNDLE_DIR, name);
    await rm(outdir, { recursive: true, force: true });
    await mkdir(outdir, { recursive: true });
    const result = await build({ ...bundleOptions({ entry: join(root, entry), outdir }) });
    await writeFile(join(outdir, 'package.json'), '{"type":"module"}\n');
    const output = Object.entries(result.metafile.outputs).find(([file]) =>
      file.endsWith('index.js'),
    );
    sizes[name] = output?.[1].bytes ?? 0;
  }
  return sizes;
}
