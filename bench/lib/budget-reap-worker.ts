// A reap process for the shared-quota and scale benchmarks: the runtime
// (createRuntime, the same wiring as the CLI and the Lambda functions) over
// the shared budget in DynamoDB. Prints JSON lines on stdout.
//   BENCH_MODE=once   one sweep, like `car-reaper reap` (trigger manual)
//   BENCH_MODE=chain  schedule runs with a deadline of BENCH_INVOCATION_MS each,
//                     handing on at once while the summary says work is left
//                     (src/lambda/continuation.ts), like the reap function
//   BENCH_MODE=hooks  a disconnect Lambda's work: every BENCH_HOOK_EVERY_MS, for
//                     BENCH_HOOK_SECONDS, a fresh user disconnects and is destroyed
//                     at once (trigger webhook, priority lane); prints each hook
//   BENCH_STORE=memory  sessions in an in-memory store of this process (seeded
//                     with BENCH_STALE ids `${BENCH_WORKER}-<i>`), so DynamoDB
//                     Local's write throughput is not the bottleneck; the budget
//                     stays in DynamoDB

import { DynamoDbSlotStore } from '../../src/dynamodb/budget-slot-store.js';
import { createDynamoDbClient } from '../../src/dynamodb/client.js';
import { createRuntime } from '../../src/dynamodb/runtime.js';
import { continuationEvent } from '../../src/lambda/continuation.js';
import { loadConfig } from '../../src/load-config.js';
import { SharedRateBudget } from '../../src/rate/shared-rate-budget.js';
import { SlidingWindowLimiter } from '../../src/rate/sliding-window-limiter.js';
import type { ReapSummary } from '../../src/reaper/types.js';
import { FakeSessionStore } from '../../test/helpers/fake-store.js';

const print = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const config = loadConfig();
const name = process.env.BENCH_WORKER ?? `worker-${process.pid}`;
const client = createDynamoDbClient(config);
const budget = new SharedRateBudget(
  new DynamoDbSlotStore({ client, tableName: config.tableName }),
  { quota: config.carQuotaRps },
);
// BENCH_BUDGET=local: the engine's own limiter at quota / BENCH_LOCAL_SHARE (a baseline).
let store: FakeSessionStore | undefined;
if (process.env.BENCH_STORE === 'memory') {
  store = new FakeSessionStore();
  const at = Date.now() - 3_600_000;
  const count = Number(process.env.BENCH_STALE ?? 0);
  for (let i = 0; i < count; i++) store.seed({ userId: `${name}-${i}`, lastActiveAt: at });
}
if (store) {
  // A destroyed session leaves the in-memory table (the real one is outside the
  // process): RSS then shows the engine's own footprint, not the table's.
  const sessions = store;
  const record = sessions.recordOutcome.bind(sessions);
  sessions.recordOutcome = async (claim, outcome) => {
    await record(claim, outcome);
    if (outcome.kind === 'destroyed') sessions.sessions.delete(claim.userId);
  };
}
const runtime = createRuntime(config, {
  ...(store ? { store } : {}),
  ...(process.env.BENCH_BUDGET === 'local'
    ? {
        budget: new SlidingWindowLimiter({
          quota: Math.floor(config.carQuotaRps / Number(process.env.BENCH_LOCAL_SHARE ?? 1)),
        }),
      }
    : // The hooks process destroys named sessions: the priority lane, as the runtime routes them.
      { budget: process.env.BENCH_MODE === 'hooks' ? budget.lane('priority') : budget }),
  reaper: { claimant: name },
});

const rss: number[] = [];
const sampler = setInterval(() => {
  // The in-memory store keeps every claim and outcome for tests to inspect: not part
  // of the engine's footprint (a table does not live in the process), so drop them.
  store?.claims.splice(0);
  store?.outcomes.splice(0);
  rss.push(Math.round(process.memoryUsage().rss / 1048576));
}, 1000);
print({ event: 'started', worker: name, at: Date.now() });

const runs: (ReapSummary & { startedAt: number; endedAt: number })[] = [];
if (process.env.BENCH_MODE === 'chain') {
  const invocationMs = Number(process.env.BENCH_INVOCATION_MS ?? 30_000);
  const marginMs = Number(process.env.BENCH_DEADLINE_MARGIN_MS ?? 1500);
  const scheduled = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };
  let event: unknown = scheduled;
  while (event !== undefined) {
    const startedAt = Date.now();
    const summary = await runtime.reaper.reap({
      trigger: 'schedule',
      deadline: startedAt + invocationMs - marginMs,
    });
    const endedAt = Date.now();
    runs.push({ ...summary, startedAt, endedAt });
    print({ event: 'run', worker: name, startedAt, endedAt, ...summary });
    event = continuationEvent(event, summary);
  }
} else if (process.env.BENCH_MODE === 'hooks') {
  const every = Number(process.env.BENCH_HOOK_EVERY_MS ?? 100);
  const until = Date.now() + Number(process.env.BENCH_HOOK_SECONDS ?? 30) * 1000;
  const pending: Promise<void>[] = [];
  for (let i = 0; Date.now() < until; i++) {
    const userId = `${name}-${i}`;
    pending.push(
      (async () => {
        const at = Date.now();
        await runtime.store.recordDisconnect(userId, at);
        const summary = await runtime.reaper.reap({ trigger: 'webhook', userIds: [userId] });
        print({ event: 'hook', userId, at, destroyed: summary.destroyed, endedAt: Date.now() });
      })(),
    );
    await new Promise((resolve) => setTimeout(resolve, every));
  }
  await Promise.all(pending);
} else {
  const startedAt = Date.now();
  const summary = await runtime.reaper.reap({ trigger: 'manual' });
  runs.push({ ...summary, startedAt, endedAt: Date.now() });
}
clearInterval(sampler);
print({
  event: 'done',
  worker: name,
  runs,
  budget: budget.stats(),
  rssMb: rss,
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
});
await runtime.close();
client.destroy();
