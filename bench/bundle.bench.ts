// Bundle size and cold import time of each Lambda function, beside a bundle
// that imports the whole Tencent SDK root (`tencentcloud-sdk-nodejs`, 262
// services), built with the same esbuild options (scripts/function-bundles.mjs).
// Goals: each function at most 1 MB minified; its import at most 60% of the
// whole-SDK bundle's. Import time is also taken with --enable-source-maps, which
// the deployed functions run with (NODE_OPTIONS in serverless.yml) and which
// makes Node read each file's source map at load.
// `npm run bench -- bundle` (RUNS=N to change the sample).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { bundleOptions, FUNCTION_ENTRIES } from '../scripts/function-bundles.mjs';

const runs = Number(process.env.RUNS ?? 21);
const BASELINE = 'whole Tencent SDK';
const root = resolve(import.meta.dirname, '..');
const out = join(root, 'bench/out/bundles');
rmSync(out, { recursive: true, force: true });

const baselineEntry = join(out, 'whole-sdk-entry.mjs');
mkdirSync(out, { recursive: true });
writeFileSync(
  baselineEntry,
  "import * as tencentcloud from 'tencentcloud-sdk-nodejs';\nexport const handler = async () => Object.keys(tencentcloud).length;\n",
);

const entries: [string, string][] = [
  ...Object.entries(FUNCTION_ENTRIES).map(([name, entry]): [string, string] => [
    name,
    join(root, entry),
  ]),
  [BASELINE, baselineEntry],
];

/** Bytes of every .js file under `dir`: the entry and the chunks it may load later. */
const jsBytes = (dir: string): number =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.js'))
    .reduce((sum, file) => sum + statSync(join(dir, file)).size, 0);

/** The output files `import` loads before the entry runs (it and its static imports), and their bytes. */
type AtImport = { files: number; bytes: number };
const loadedAtImport = (outputs: Metafile['outputs'], entryOutput: string): AtImport => {
  const seen = new Set<string>();
  const queue = [entryOutput];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    for (const imported of outputs[next]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) queue.push(imported.path);
    }
  }
  const bytes = [...seen].reduce((sum, output) => sum + (outputs[output]?.bytes ?? 0), 0);
  return { files: seen.size, bytes };
};

const bundles: { name: string; file: string; bytes: number; atImport: AtImport }[] = [];
for (const [name, entry] of entries) {
  const outdir = join(out, name.replace(/\W+/g, '-'));
  const { metafile } = await build(bundleOptions({ entry, outdir }));
  writeFileSync(join(outdir, 'package.json'), '{"type":"module"}\n');
  const file = join(outdir, 'index.js');
  const entryOutput = Object.keys(metafile.outputs).find((output) => resolve(output) === file);
  if (!entryOutput) throw new Error(`no index.js among the outputs of ${name}`);
  const atImport = loadedAtImport(metafile.outputs, entryOutput);
  bundles.push({ name, file, bytes: jsBytes(outdir), atImport });
}

// One fresh Node process per sample, measured around import() only: wall time,
// and CPU time (user + system), which holds up better on a busy machine.
type Sample = { wall: number; cpu: number };
const importOnce = (file: string, flags: string[] = []): Sample => {
  const url = JSON.stringify(pathToFileURL(file).href);
  const script = `const c=process.cpuUsage(),t=performance.now();await import(${url});const w=performance.now()-t,u=process.cpuUsage(c);process.stdout.write(JSON.stringify({wall:w,cpu:(u.user+u.system)/1000}));`;
  return JSON.parse(
    execFileSync(process.execPath, [...flags, '--input-type=module', '-e', script], {
      encoding: 'utf8',
    }),
  );
};

const SOURCE_MAPS = ['--enable-source-maps'];
const samples = new Map(bundles.map((bundle) => [bundle.name, [] as Sample[]]));
const mapSamples = new Map(bundles.map((bundle) => [bundle.name, [] as Sample[]]));
for (const bundle of bundles) importOnce(bundle.file); // warm the file cache
for (let run = 0; run < runs; run++) {
  // Round-robin so drift on a shared machine hits every bundle alike.
  for (const bundle of bundles) {
    samples.get(bundle.name)?.push(importOnce(bundle.file));
    mapSamples.get(bundle.name)?.push(importOnce(bundle.file, SOURCE_MAPS));
  }
}
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const medianOf = (name: string, key: keyof Sample, from = samples) =>
  median((from.get(name) ?? []).map((sample) => sample[key]));

const baseline = {
  wall: medianOf(BASELINE, 'wall'),
  cpu: medianOf(BASELINE, 'cpu'),
  mapCpu: medianOf(BASELINE, 'cpu', mapSamples),
};
console.log(
  `node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()[0]?.toFixed(1)}, ${runs} runs each\n`,
);
console.log(
  '| bundle | minified, all chunks | loaded at import: files, size | import CPU, median | vs whole SDK | import wall, median | vs whole SDK | CPU with source maps | vs whole SDK | size ≤ 1 MB | CPU ≤ 60% |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|');
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const pct = (ratio: number) => `${(ratio * 100).toFixed(0)}%`;
for (const bundle of bundles) {
  const cpu = medianOf(bundle.name, 'cpu');
  const wall = medianOf(bundle.name, 'wall');
  const mapCpu = medianOf(bundle.name, 'cpu', mapSamples);
  const isBaseline = bundle.name === BASELINE;
  const verdict = (ok: boolean) => (isBaseline ? '-' : ok ? 'met' : 'MISSED');
  console.log(
    `| ${bundle.name} | ${kib(bundle.bytes)} | ${bundle.atImport.files}, ${kib(bundle.atImport.bytes)} | ${cpu.toFixed(1)} ms | ${pct(cpu / baseline.cpu)} | ${wall.toFixed(1)} ms | ${pct(wall / baseline.wall)} | ${mapCpu.toFixed(1)} ms | ${pct(mapCpu / baseline.mapCpu)} | ${verdict(bundle.bytes <= 1_000_000)} | ${verdict(cpu / baseline.cpu <= 0.6)} |`,
  );
}
