// Bundle size and cold import time of each Lambda function, beside a bundle
// that imports the whole Tencent SDK root (`tencentcloud-sdk-nodejs`, 262
// services), built with the same esbuild options (scripts/function-bundles.mjs).
// Goals: each function at most 1 MB minified; its import at most 60% of the
// whole-SDK bundle's. `npm run bench -- bundle` (RUNS=N to change the sample).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
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

const bundles: { name: string; file: string; bytes: number; entryBytes: number }[] = [];
for (const [name, entry] of entries) {
  const outdir = join(out, name.replace(/\W+/g, '-'));
  await build(bundleOptions({ entry, outdir }));
  writeFileSync(join(outdir, 'package.json'), '{"type":"module"}\n');
  const file = join(outdir, 'index.js');
  bundles.push({ name, file, bytes: jsBytes(outdir), entryBytes: statSync(file).size });
}

// One fresh Node process per sample, measured around import() only: wall time,
// and CPU time (user + system), which holds up better on a busy machine.
type Sample = { wall: number; cpu: number };
const importOnce = (file: string): Sample => {
  const url = JSON.stringify(pathToFileURL(file).href);
  const script = `const c=process.cpuUsage(),t=performance.now();await import(${url});const w=performance.now()-t,u=process.cpuUsage(c);process.stdout.write(JSON.stringify({wall:w,cpu:(u.user+u.system)/1000}));`;
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
  );
};

const samples = new Map(bundles.map((bundle) => [bundle.name, [] as Sample[]]));
for (const bundle of bundles) importOnce(bundle.file); // warm the file cache
for (let run = 0; run < runs; run++) {
  // Round-robin so drift on a shared machine hits every bundle alike.
  for (const bundle of bundles) samples.get(bundle.name)?.push(importOnce(bundle.file));
}
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const medianOf = (name: string, key: keyof Sample) =>
  median((samples.get(name) ?? []).map((sample) => sample[key]));

const baseline = { wall: medianOf(BASELINE, 'wall'), cpu: medianOf(BASELINE, 'cpu') };
console.log(
  `node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()[0]?.toFixed(1)}, ${runs} runs each\n`,
);
console.log(
  '| bundle | minified, all chunks | loaded at import | import CPU, median | vs whole SDK | import wall, median | vs whole SDK | size ≤ 1 MB | CPU ≤ 60% |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---|---|');
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const pct = (ratio: number) => `${(ratio * 100).toFixed(0)}%`;
for (const bundle of bundles) {
  const cpu = medianOf(bundle.name, 'cpu');
  const wall = medianOf(bundle.name, 'wall');
  const isBaseline = bundle.name === BASELINE;
  const verdict = (ok: boolean) => (isBaseline ? '-' : ok ? 'met' : 'MISSED');
  console.log(
    `| ${bundle.name} | ${kib(bundle.bytes)} | ${kib(bundle.entryBytes)} | ${cpu.toFixed(1)} ms | ${pct(cpu / baseline.cpu)} | ${wall.toFixed(1)} ms | ${pct(wall / baseline.wall)} | ${verdict(bundle.bytes <= 1_000_000)} | ${verdict(cpu / baseline.cpu <= 0.6)} |`,
  );
}
