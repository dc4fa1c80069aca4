// A reap process for the shared-quota and scale benchmarks: the runtime
// (createRuntime, the same wiring as the CLI and the Lambda functions) over
// the shared budget in DynamoDB. Prints JSON lines on stdout.
//   BENCH_MODE=once   one sweep, like `car-reaper reap` (trigger manual)
//   BENCH_MODE=chain  schedule runs with a deadline of BENCH_INVOCATION_MS each,
//                     handing on at once while the summary says work is left
//                     (src/scale/continuation.ts), like the reap function
import { DynamoDbSlotStore } from '../../src/budget/dynamodb-slot-store.js';
import { SharedRateBudget } from '../../src/budget/shared-rate-budget.js';
import { loadConfig } from '../../src/config.js';
import { SlidingWindowLimiter } from '../../src/reaper/sliding-window-limiter.js';
import type { ReapSummary } from '../../src/reaper/types.js';
import { createRuntime } from '../../src/runtime.js';
import { continuationEvent } from '../../src/scale/continuation.js';
import { createDynamoDbClient } from '../../src/sessions/dynamodb-client.js';

const print = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const config = loadConfig();
const name = process.env.BENCH_WORKER ?? `worker-${process.pid}`;
const client = createDynamoDbClient(config);
const budget = new SharedRateBudget(
  new DynamoDbSlotStore({ client, tableName: config.tableName }),
  { quota: config.carQuotaRps },
);
// BENCH_BUDGET=local: the engine's own limiter at quota / BENCH_LOCAL_SHARE (a baseline).
const runtime = createRuntime(config, {
  ...(process.env.BENCH_BUDGET === 'local'
    ? {
        budget: new SlidingWindowLimiter({
          quota: Math.floor(config.carQuotaRps / Number(process.env.BENCH_LOCAL_SHARE ?? 1)),
        }),
      }
    : { budget }),
  reaper: { claimant: name },
});

const rss: number[] = [];
const sampler = setInterval(() => rss.push(Math.round(process.memoryUsage().rss / 1048576)), 1000);
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
