// Reaping at scale: a mass disconnect of 100,000 stale sessions drained by a
// chain of deadline-bound reap "invocations" that hand on at once
// (src/lambda/continuation.ts), while a second process destroys webhook
// disconnects on the priority lane of the same shared budget.
// Time is compressed 10x: the emulator's quota and CAR_QUOTA_RPS are both
// 1000/s and each invocation lasts 30 s (a 5-minute Lambda at 100/s does the
// same work). The sessions live in the reap process's memory (DynamoDB Local
// cannot take 2,000 writes/s on this machine); the budget is the real one in
// DynamoDB Local. Run: `npm run bench -- scale`.
//   BENCH_SESSIONS (100000)  BENCH_QUOTA (1000)  BENCH_INVOCATION_MS (30000)
import { cpus } from 'node:os';
import { destroyFigures, percentile, startBudgetStack, startWorker } from './lib/budget-stack.js';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 100_000);
const QUOTA = Number(process.env.BENCH_QUOTA ?? 1000);
const INVOCATION_MS = Number(process.env.BENCH_INVOCATION_MS ?? 30_000);
const HOOK_EVERY_MS = 100;

const stack = await startBudgetStack(QUOTA);
let ok = false;
try {
  const startedAt = Date.now();
  const reap = startWorker('reap', {
    ...stack.env,
    BENCH_WORKER: 'reap',
    BENCH_MODE: 'chain',
    BENCH_STORE: 'memory',
    BENCH_STALE: String(SESSIONS),
    BENCH_INVOCATION_MS: String(INVOCATION_MS),
  });
  await reap.waitFor('started');
  // Webhooks start once the backlog is draining, and stop before it ends.
  const expectedMs = (SESSIONS / (QUOTA * 0.96)) * 1000;
  const hookSeconds = Math.max(5, Math.round((expectedMs * 0.6) / 1000));
  while ((await stack.emulator.destroyed()) < Math.min(5000, SESSIONS / 4)) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const hooks = startWorker('hooks', {
    ...stack.env,
    BENCH_WORKER: 'hook',
    BENCH_MODE: 'hooks',
    BENCH_STORE: 'memory',
    BENCH_HOOK_EVERY_MS: String(HOOK_EVERY_MS),
    BENCH_HOOK_SECONDS: String(hookSeconds),
  });
  const codes = await Promise.all([reap.exited, hooks.exited]);
  const wallMs = Date.now() - startedAt;

  const f = await destroyFigures(stack.emulator);
  const done = reap.lines.find((l) => l.event === 'done') as {
    runs: { startedAt: number; endedAt: number; destroyed: number; stoppedAt?: string }[];
    rssMb: number[];
    peakRssMb: number;
    budget: { writes: number; granted: number; expired: number; fallbacks: number };
  };
  const hookDone = hooks.lines.find((l) => l.event === 'done') as {
    peakRssMb: number;
    budget: { wait: { priority: { meanMs: number; maxMs: number } } };
  };
  const gaps = done.runs
    .slice(1)
    .map((run, i) => run.startedAt - (done.runs[i] as { endedAt: number }).endedAt);
  const stale = Array.from({ length: SESSIONS }, (_, i) => `reap-${i}`);
  const once = stale.filter((id) => f.perUser.get(id) === 1).length;
  const hookLines = hooks.lines.filter((l) => l.event === 'hook') as {
    userId: string;
    at: number;
  }[];
  const latency = hookLines.map((h) => (f.firstArrival.get(h.userId) ?? Number.NaN) - h.at);
  const rss = done.rssMb;
  const quarter = Math.max(1, Math.floor(rss.length / 4));
  const firstQuarter = Math.max(...rss.slice(0, quarter));
  const lastQuarter = Math.max(...rss.slice(-quarter));

  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model}, node ${process.version}`);
  console.log('| figure | value |\n|---|---|');
  const rows: [string, string | number][] = [
    ['stale sessions', SESSIONS],
    ['quota (emulator and CAR_QUOTA_RPS), time compression', `${QUOTA}/s, ${QUOTA / 100}x`],
    ['invocations (deadline each)', `${done.runs.length} (${INVOCATION_MS / 1000} s)`],
    ['stop reasons', done.runs.map((r) => r.stoppedAt ?? 'drained').join(', ')],
    ['gap between invocations (end -> next start), max', `${Math.max(0, ...gaps)} ms`],
    ['destroyed exactly once', `${once} / ${SESSIONS}`],
    ['wall time, start to last destroy', `${(wallMs / 1000).toFixed(1)} s`],
    ['aggregate rate (first to last destroy)', `${f.ratePerSecond.toFixed(0)}/s`],
    ['RequestLimitExceeded', f.throttled],
    [
      'RequestLimitExceeded arrived at (s after the first destroy)',
      [...new Set(f.throttledAt.map((ms) => (ms / 1000).toFixed(1)))].join(' ') || '-',
    ],
    ['most calls in any 1 s window', `${f.maxInAnySecond} (quota ${QUOTA})`],
    [
      'reap process RSS: peak; max in first / last quarter of the run',
      `${done.peakRssMb} MB; ${firstQuarter} / ${lastQuarter} MB`,
    ],
    ['webhook process peak RSS', `${hookDone.peakRssMb} MB`],
    [
      `webhook destroys during the backlog (1 every ${HOOK_EVERY_MS} ms)`,
      `${latency.filter((l) => !Number.isNaN(l)).length} / ${hookLines.length} destroyed`,
    ],
    [
      'webhook disconnect -> DestroySession arrival, p50 / p95 / max',
      `${percentile(latency, 50)} / ${percentile(latency, 95)} / ${Math.max(...latency)} ms`,
    ],
    [
      'webhook budget wait (priority lane), mean / max',
      `${hookDone.budget.wait.priority.meanMs} / ${hookDone.budget.wait.priority.maxMs} ms`,
    ],
    [
      'reap budget: writes per destroy, expired slots, fallbacks',
      `${(done.budget.writes / done.budget.granted).toFixed(3)}, ${done.budget.expired}, ${done.budget.fallbacks}`,
    ],
  ];
  for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
  console.log(`\nRSS samples (MB, one a second): ${rss.join(' ')}`);
  ok = codes.every((c) => c === 0) && once === SESSIONS && f.throttled === 0;
  if (!ok) console.log(`\nFAILED (exit codes ${codes.join(',')})`);
} finally {
  await stack.close();
}
process.exit(ok ? 0 : 1);
