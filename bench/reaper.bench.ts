// Reaper throughput against the CAR emulator: 3,000 stale sessions at a
// 100/s quota, at two latencies, beside the way peer reapers do it
// (p-limit(10), no rate limiter). car-reaper makes its last check (one
// conditional write) just before each call; the table shows the time from
// that check to the send. Writes bench/reaper-rate.svg and prints a
// Markdown table for bench/RESULTS.md. Run: `npm run bench -- reaper`.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import type { CarApi } from '../src/car/car-api.js';
import { createTencentCarApi } from '../src/car/tencent-car-api.js';
import { maxInAnyWindow } from '../src/emulator/index.js';
import { createReaper } from '../src/reaper/reaper.js';
import type { ReapSummary } from '../src/reaper/types.js';
import { startEmulatorProcess } from '../test/helpers/emulator-process.js';
import { type BenchStore, openBenchStore } from './lib/bench-store.js';
import { bucketPerSecond, renderRatePlot } from './lib/rate-plot.js';

const here = dirname(fileURLToPath(import.meta.url));
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 3000);
const QUOTA = 100;
const credentials = {
  secretId: 'AKIDbenchReaperSecretId0000000000000',
  secretKey: 'benchReaperSecretKey000000000000000',
};

interface Result {
  name: string;
  latency: string;
  destroyed: number;
  durationMs: number;
  destroyedPerSecond: number;
  throttled: number;
  maxInAnySecond: number;
  peakRssMb: number;
  arrivals: number[];
  summary?: ReapSummary;
}

/** Samples RSS every 50 ms while `work` runs; returns the peak in MB. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ value: T; peakRssMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, peakRssMb: Math.round(peak / 1024 / 1024) };
  } finally {
    clearInterval(timer);
  }
}

async function scenario(
  name: string,
  latency: { meanMs: number; jitterMs: number },
  store: BenchStore,
  run: (
    car: CarApi,
    ids: string[],
  ) => Promise<{ destroyed: number; durationMs: number; summary?: ReapSummary }>,
): Promise<Result> {
  const emulator = await startEmulatorProcess({
    credentials,
    rate: QUOTA,
    latency: { ...latency, distribution: 'uniform' },
  });
  const car = createTencentCarApi({ endpoint: emulator.url, credentials, timeoutMs: 5000 });
  try {
    const prefix = `${name.replace(/\W+/g, '-')}-${latency.meanMs}ms`;
    const ids = Array.from({ length: SESSIONS }, (_, i) => `${prefix}-${i}`);
    await emulator.seed(ids);
    await store.seedStale(ids);
    const { value, peakRssMb } = await withPeakRss(() => run(car, ids));
    const destroys = await emulator.calls();
    const throttled = destroys.filter((c) => c.code?.startsWith('RequestLimitExceeded')).length;
    const arrivals = destroys.map((c) => c.at);
    const left = (await emulator.liveSessions()).length;
    if (left !== SESSIONS - value.destroyed) {
      console.warn(
        `${name}: ${left} sessions still live at the emulator, ${value.destroyed} destroyed`,
      );
    }
    return {
      name,
      latency: `${latency.meanMs} +/- ${latency.jitterMs} ms`,
      destroyed: value.destroyed,
      durationMs: value.durationMs,
      destroyedPerSecond: Math.round((value.destroyed * 10_000) / value.durationMs) / 10,
      throttled,
      maxInAnySecond: maxInAnyWindow(arrivals, 1000),
      peakRssMb,
      arrivals,
      summary: value.summary,
    };
  } finally {
    car.close();
    await emulator.stop();
  }
}

const reaperRun = (store: BenchStore) => async (car: CarApi) => {
  const reaper = createReaper({
    store: store.store,
    car,
    settings: { idleTimeoutMs: 60_000, disconnectGraceMs: 90_000, maxAgeMs: 0, quotaRps: QUOTA },
  });
  const summary = await reaper.reap({ trigger: 'manual' });
  return { destroyed: summary.destroyed, durationMs: summary.durationMs, summary };
};

/** What peer reapers do: ten calls in flight, no rate limit, a throttled session left for next time. */
const naiveRun = async (car: CarApi, ids: string[]) => {
  const limit = pLimit(10);
  const started = Date.now();
  let destroyed = 0;
  await Promise.all(
    ids.map((id) =>
      limit(async () => {
        const result = await car.destroySession(id);
        if (result.ok) destroyed++;
      }),
    ),
  );
  return { destroyed, durationMs: Date.now() - started };
};

const fast = { meanMs: 40, jitterMs: 40 };
const slow = { meanMs: 200, jitterMs: 150 };
const store = await openBenchStore();
const results: Result[] = [];
try {
  results.push(await scenario('car-reaper', fast, store, reaperRun(store)));
  results.push(await scenario('car-reaper', slow, store, reaperRun(store)));
  results.push(await scenario('naive p-limit(10)', fast, store, naiveRun));
  results.push(await scenario('naive p-limit(10)', slow, store, naiveRun));
} finally {
  await store.close();
}

const svg = renderRatePlot({
  title: `DestroySession calls per second at the emulator (${SESSIONS} stale sessions, quota ${QUOTA}/s)`,
  quota: QUOTA,
  series: results.map((r, i) => ({
    label: `${r.name}, latency ${r.latency}`,
    color: ['#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd'][i] as string,
    perSecond: bucketPerSecond(r.arrivals),
  })),
});
writeFileSync(join(here, 'reaper-rate.svg'), svg);
if (process.env.BENCH_DUMP) {
  writeFileSync(
    process.env.BENCH_DUMP,
    JSON.stringify(
      results.map((r) => ({ name: r.name, latency: r.latency, arrivals: r.arrivals })),
    ),
  );
}

console.log(
  `machine: ${cpus().length} cpus, ${cpus()[0]?.model}, node ${process.version}; store: ${store.kind};` +
    " emulator in a process of its own; peak RSS is the reaper process's\n",
);
console.log(
  '| approach | latency | destroyed | duration | destroyed/s | RequestLimitExceeded | max calls in any 1 s | claim-to-send p50 / p99 / max | peak RSS |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  // The last check before each call (car-reaper only): from its conditional write to the send.
  const window = r.summary?.claimToSendMs;
  const claimToSend = window ? `${window.p50} / ${window.p99} / ${window.max} ms` : 'no check';
  console.log(
    `| ${r.name} | ${r.latency} | ${r.destroyed}/${SESSIONS} | ${(r.durationMs / 1000).toFixed(1)} s | ${r.destroyedPerSecond} | ${r.throttled} | ${r.maxInAnySecond} | ${claimToSend} | ${r.peakRssMb} MB |`,
  );
}
for (const r of results.filter((x) => x.summary)) {
  const { summary } = r;
  console.log(
    `\n${r.name} ${r.latency}: ${JSON.stringify({ ...summary, wouldDestroy: undefined })}`,
  );
}
console.log('\nwrote bench/reaper-rate.svg');
