// One DestroySession quota across processes: 3 concurrent reap processes plus
// a burst of 200 signed /disconnect webhooks with grace 0 (the disconnect
// handler served over HTTP as `car-reaper serve` does), against the emulator
// at 100/s, all on one shared budget in DynamoDB Local. From the emulator's
// call log: RequestLimitExceeded, the busiest second, the aggregate rate, and
// whether each session was destroyed exactly once.
// Run: `npm run bench -- shared-quota` (after `npm run build`: it runs the CLI).
//   scenario "table":  sessions in the DynamoDB Local table, 3 x `car-reaper reap --json`
//   scenario "memory": sessions in each process's memory (DynamoDB Local's write
//                      throughput out of the way), 3 runtime workers; budget in the table
//   BENCH_SCENARIOS=table,memory  BENCH_STALE=<per scenario, default 1800 / 2400>
//   BENCH_HOOKS=<webhooks, default 200>  BENCH_PROF=<dir>: a CPU profile of each reap process
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import {
  destroyFigures,
  percentile,
  seedSessions,
  startBudgetStack,
  startWorker,
  type Worker,
} from './lib/budget-stack.js';
import { type DisconnectSent, sendDisconnect, startServe } from './lib/budget-webhooks.js';

const QUOTA = 100;
const HOOKS = Number(process.env.BENCH_HOOKS ?? 200);
const PROCESSES = 3;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const scenarios = (process.env.BENCH_SCENARIOS ?? 'table,memory').split(',');

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model}, node ${process.version}`);
let failed = false;
for (const scenario of scenarios) {
  failed = !(await run(scenario === 'memory' ? 'memory' : 'table')) || failed;
}
process.exit(failed ? 1 : 0);

async function run(scenario: 'table' | 'memory'): Promise<boolean> {
  const stale = Number(process.env.BENCH_STALE ?? (scenario === 'table' ? 1800 : 2400));
  const stack = await startBudgetStack(QUOTA);
  const hookIds = Array.from({ length: HOOKS }, (_, i) => `hook-${String(i).padStart(4, '0')}`);
  const memory = scenario === 'memory';
  const webhooks = await startServe(stack);
  try {
    const perWorker = Math.ceil(stale / PROCESSES);
    const names = Array.from({ length: PROCESSES }, (_, i) => `reap-${i + 1}`);
    const staleIds = memory
      ? names.flatMap((name) => Array.from({ length: perWorker }, (_, i) => `${name}-${i}`))
      : Array.from({ length: stale }, (_, i) => `stale-${String(i).padStart(5, '0')}`);
    const now = Date.now();
    if (!memory) await seedSessions(stack, staleIds, now - 3_600_000);
    await seedSessions(stack, hookIds, now);
    await stack.emulator.seed([...staleIds, ...hookIds]);

    const workers: Worker[] = names.map((name) =>
      memory
        ? startWorker(name, {
            ...stack.env,
            BENCH_WORKER: name,
            BENCH_MODE: 'once',
            BENCH_STORE: 'memory',
            BENCH_STALE: String(perWorker),
          })
        : startWorker(name, stack.env, [join(root, 'bin/car-reaper.js'), 'reap', '--json']),
    );
    // The burst lands once the three sweeps are in full flow (all three calling CAR).
    while ((await stack.emulator.destroyed()) < 300) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const burstAt = Date.now();
    // 25 in flight: more makes DynamoDB Local refuse connections (it queues, then times out).
    const inFlight = pLimit(25);
    const sent: DisconnectSent[] = await Promise.all(
      hookIds.map((id) => inFlight(() => sendDisconnect(webhooks.url, id))),
    );
    const codes = await Promise.all(workers.map((w) => w.exited));

    const f = await destroyFigures(stack.emulator);
    const staleOnce = staleIds.filter((id) => f.perUser.get(id) === 1).length;
    const hooksOnce = hookIds.filter((id) => f.perUser.get(id) === 1).length;
    const duplicates = [...f.perUser.values()].filter((n) => n > 1).length;
    const latencies = sent.map((s) => (f.firstArrival.get(s.userId) ?? Number.NaN) - s.sentAt);
    const answered = sent.map((s) => s.answeredAt - s.sentAt);
    const summaries = workers.map((w): Record<string, unknown> => {
      const done = w.lines.find((l) => l.event === 'done');
      if (done) return { ...(done.runs as Record<string, unknown>[])[0], budget: done.budget };
      try {
        const summary = JSON.parse(w.stdout()) as Record<string, unknown>;
        return { ...summary, budget: summary.rateBudget };
      } catch {
        return {};
      }
    });
    const reapWrites = summaries.map((s) => (s.budget as { writes?: number } | undefined)?.writes);
    const reapDestroys = summaries.reduce((sum, s) => sum + Number(s.destroyed ?? 0), 0);
    const writes = reapWrites.every((w) => w !== undefined)
      ? ((reapWrites as number[]).reduce((a, b) => a + b, 0) / reapDestroys).toFixed(3)
      : 'n/a';

    console.log(
      `\n### scenario "${scenario}": ${memory ? '3 runtime workers, their sessions in memory' : '3 x car-reaper reap --json, sessions in the table'}; webhooks to car-reaper serve\n`,
    );
    console.log('| figure | value |\n|---|---|');
    const rows: [string, string | number][] = [
      ['stale sessions (3 reap processes)', staleIds.length],
      ['webhook disconnects, grace 0 (one burst after 300 destroys, 25 in flight)', HOOKS],
      ['DestroySession calls received', f.calls],
      ['RequestLimitExceeded', f.throttled],
      ['other errors', f.errors],
      ['most calls in any 1 s window (server side)', f.maxInAnySecond],
      ['aggregate rate, first to last destroy', `${f.ratePerSecond.toFixed(1)}/s`],
      ['destroys per second, from the first', perSecond(f.arrivals).join(' ')],
      ['stale sessions destroyed exactly once', `${staleOnce} / ${staleIds.length}`],
      ['webhook sessions destroyed exactly once', `${hooksOnce} / ${HOOKS}`],
      ['sessions destroyed more than once', duplicates],
      [
        'destroyed per reap process (its rate)',
        summaries.map((s) => `${s.destroyed} (${s.achievedRps}/s)`).join('; '),
      ],
      [
        'claims lost to another process (skipped), per reap process',
        summaries.map((s) => s.skipped ?? 'n/a').join(', '),
      ],
      [
        'claim-to-send (last check to the call going out), p50 / p99 / max, per reap process',
        summaries
          .map((s) => {
            const w = s.claimToSendMs as { p50: number; p99: number; max: number } | undefined;
            return w ? `${w.p50} / ${w.p99} / ${w.max} ms` : 'n/a';
          })
          .join('; '),
      ],
      [
        'users back before the send (returned) / slow checks redone (lateChecks), per reap process',
        summaries.map((s) => `${s.returned ?? 'n/a'} / ${s.lateChecks ?? 'n/a'}`).join('; '),
      ],
      [
        'webhook sent -> DestroySession arrival, p50 / p95 / max',
        `${percentile(latencies, 50)} / ${percentile(latencies, 95)} / ${Math.max(...latencies)} ms`,
      ],
      [
        'webhook answered (202), p50 / max',
        `${percentile(answered, 50)} / ${Math.max(...answered)} ms`,
      ],
      ['budget writes per destroy of the reap processes (failed conditions included)', writes],
      [
        'budget wait of the reap processes (bulk lane), mean / max',
        summaries
          .map((s) => {
            const wait = (s.budget as { wait?: { bulk: { meanMs: number; maxMs: number } } })?.wait;
            return wait ? `${wait.bulk.meanMs} / ${wait.bulk.maxMs} ms` : 'n/a';
          })
          .join('; '),
      ],
      [
        'budget slots reserved / granted / expired, per reap process',
        summaries
          .map((s) => {
            const b = s.budget as
              | { reserved?: number; granted?: number; expired?: number }
              | undefined;
            return b ? `${b.reserved} / ${b.granted} / ${b.expired}` : 'n/a';
          })
          .join('; '),
      ],
      ['webhook actions', JSON.stringify(countBy(sent.map((s) => `${s.status} ${s.action}`)))],
      ['burst sent at (ms after the first destroy)', burstAt - (f.arrivals[0] ?? burstAt)],
      [
        'fallbacks to the local share (reap processes)',
        summaries
          .map((s) => (s.budget as { fallbacks?: number } | undefined)?.fallbacks ?? 'n/a')
          .join(', '),
      ],
      [
        'busiest second starts at (ms after the first destroy)',
        busiest(f.arrivals) - (f.arrivals[0] ?? 0),
      ],
    ];
    for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
    if (process.env.BENCH_DUMP) {
      const from = busiest(f.arrivals);
      const calls = (await stack.emulator.calls()).filter(
        (c) => c.at >= from && c.at < from + 1000,
      );
      console.log(calls.map((c) => `${c.at - from}:${c.userId?.slice(0, 6)}`).join(' '));
    }
    const ok =
      codes.every((c) => c === 0) &&
      f.throttled === 0 &&
      f.maxInAnySecond <= QUOTA &&
      staleOnce === staleIds.length &&
      hooksOnce === HOOKS;
    console.log(
      ok
        ? `\nquota held, every session destroyed once; aggregate ${f.ratePerSecond >= 90 ? '>=' : '<'} 90/s`
        : `\nFAILED (exit codes ${codes.join(',')})`,
    );
    return ok;
  } finally {
    await webhooks.close();
    await stack.close();
  }
}

/** Arrivals in each whole second from the first one. */
function perSecond(times: number[]): number[] {
  const counts: number[] = [];
  const first = times[0] ?? 0;
  for (const at of times) {
    const second = Math.floor((at - first) / 1000);
    counts[second] = (counts[second] ?? 0) + 1;
  }
  return Array.from(counts, (n) => n ?? 0);
}

/** Start of the 1 s window holding the most calls. */
function busiest(times: number[]): number {
  let best = 0;
  let at = times[0] ?? 0;
  for (let end = 0, start = 0; end < times.length; end++) {
    while ((times[end] as number) - (times[start] as number) >= 1000) start++;
    if (end - start + 1 > best) {
      best = end - start + 1;
      at = times[start] as number;
    }
  }
  return at;
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
