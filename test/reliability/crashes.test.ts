import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../src/dynamodb/runtime.js';
import { type CarEmulator, startCarEmulator } from '../../src/emulator/index.js';
import { loadConfig } from '../../src/load-config.js';
import type { ReapSummary } from '../../src/reaper/types.js';
import { stackEnv, testCredentials } from '../helpers/car.js';
import { aSession, createTestTable, seedSessions, type TestTable } from '../helpers/dynamo.js';
import { type BundledFixture, bundleFixture } from './support/bundle-fixture.js';
import { destroyCallsPerUser, ids, maxOf, reportFigures } from './support/stack.js';

// Twenty reap processes, each killed with SIGKILL at one precise point of its
// run (the fixture wraps the store and CAR ports and kills itself there), each
// on a table of its own, five at a time. Then, once the dead runs' leases have
// expired (on the next run's clock, not by sleeping), one scheduled run per
// table must finish the work: every stale session destroyed, nothing left
// `reaping`, no session sent DestroySession more than twice, no active one ever.
const STALE = 60;
const ACTIVE = 10;
const PAGE_SIZE = 10;
// Long enough that a loaded machine still calls every claim before the
// lease's cutoff (the next runs' clocks jump past it, so it costs no time).
const LEASE_MS = 10_000;
const BATCH = 5;
const fixture = fileURLToPath(new URL('./fixtures/crash-child.ts', import.meta.url));

const KILL_POINTS = [
  ...[1, 5, 17, 40, 55].map((n) => `claim:${n}`),
  ...[1, 9, 25, 44, 55].map((n) => `call:${n}`),
  ...[1, 12, 30, 49, 55].map((n) => `record:${n}`),
  ...[1, 2, 3, 4, 6].map((n) => `page:${n}`),
];

interface Scenario {
  point: string;
  table: TestTable;
  stale: string[];
  active: string[];
  killedAt: number;
  /** Sessions `reaping` right after the crash, with their lease ends. */
  leftReaping: { userId: string; leaseExpiresAt: number }[];
  callsBeforeRecovery: number;
  recovery: ReapSummary[];
}

let emulator: CarEmulator;
let child: BundledFixture;
const scenarios: Scenario[] = [];
const runtimes: Runtime[] = [];
const phases = { setupMs: 0, childrenMs: 0, recoveryMs: 0 };

function runChild(scenario: Scenario): Promise<void> {
  const env = {
    ...process.env,
    ...stackEnv(scenario.table, emulator.url),
    CAR_QUOTA_RPS: '500',
    CAR_CONCURRENCY: '8',
    CRASH_AT: scenario.point,
    LEASE_MS: String(LEASE_MS),
    PAGE_SIZE: String(PAGE_SIZE),
  };
  const proc = spawn(process.execPath, [child.entry], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  proc.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    proc.once('exit', (code, signal) => {
      const killed = /^killed \S+ \d+ (\d+)$/m.exec(stdout);
      if (signal !== 'SIGKILL' || !killed) {
        reject(new Error(`${scenario.point}: child ended ${code ?? signal}\n${stdout}\n${stderr}`));
        return;
      }
      scenario.killedAt = Number(killed[1]);
      resolve();
    });
  });
}

beforeAll(async () => {
  const started = Date.now();
  child = await bundleFixture(fixture);
  emulator = await startCarEmulator({ credentials: { ...testCredentials }, rate: 5000 });
  const now = Date.now();
  for (const [index, point] of KILL_POINTS.entries()) {
    const table = await createTestTable();
    const stale = ids(`k${index}-stale`, STALE);
    const active = ids(`k${index}-active`, ACTIVE);
    await seedSessions(table, [
      ...stale.map((userId) => aSession({ userId }, now - 10 * 60_000)),
      ...active.map((userId) => aSession({ userId }, now)),
    ]);
    emulator.seedSessions([...stale, ...active]);
    scenarios.push({
      point,
      table,
      stale,
      active,
      killedAt: 0,
      leftReaping: [],
      callsBeforeRecovery: 0,
      recovery: [],
    });
  }
  phases.setupMs = Date.now() - started;
  for (let start = 0; start < scenarios.length; start += BATCH) {
    await Promise.all(scenarios.slice(start, start + BATCH).map(runChild));
  }
  const callsAfterCrashes = destroyCallsPerUser(emulator.calls());
  for (const scenario of scenarios) {
    for (const userId of scenario.stale) {
      const session = await scenario.table.store.get(userId);
      if (session?.state === 'reaping') {
        scenario.leftReaping.push({ userId, leaseExpiresAt: session.leaseExpiresAt ?? Infinity });
      }
      scenario.callsBeforeRecovery += callsAfterCrashes.get(userId) ?? 0;
    }
  }
  phases.childrenMs = Date.now() - started - phases.setupMs;
  // The next scheduled runs, after every dead run's lease has ended.
  for (const scenario of scenarios) {
    const runtime = createRuntime(
      loadConfig({
        ...stackEnv(scenario.table, emulator.url),
        CAR_QUOTA_RPS: '1000',
      }),
      { store: scenario.table.store, clock: () => Date.now() + LEASE_MS + 1000 },
    );
    runtimes.push(runtime);
    for (let run = 0; run < 2; run++) {
      const counts = await scenario.table.store.counts();
      if (counts.destroyed === STALE) break;
      scenario.recovery.push(await runtime.reaper.reap({ trigger: 'schedule' }));
    }
  }
  phases.recoveryMs = Date.now() - started - phases.setupMs - phases.childrenMs;
}, 170_000);

afterAll(async () => {
  for (const runtime of runtimes) await runtime.close();
  for (const scenario of scenarios) await scenario.table.drop();
  await emulator?.stop();
  child?.remove();
});

describe('Reliability: SIGKILL at 20 points of a run', () => {
  it('killed every child at its point, leaving claims no longer than their lease', () => {
    expect(scenarios).toHaveLength(20);
    for (const scenario of scenarios) {
      expect(scenario.killedAt, scenario.point).toBeGreaterThan(0);
      for (const { leaseExpiresAt } of scenario.leftReaping) {
        expect(leaseExpiresAt, scenario.point).toBeLessThanOrEqual(scenario.killedAt + LEASE_MS);
      }
    }
    // Between claim and call, and between call and record, the dead run held a claim.
    for (const scenario of scenarios.filter((s) => /^(claim|call):/.test(s.point))) {
      expect(scenario.leftReaping.length, scenario.point).toBeGreaterThan(0);
    }
  });

  it('finishes every stale session in the next run, leaving none reaping', async () => {
    for (const scenario of scenarios) {
      const counts = await scenario.table.store.counts();
      expect(counts, scenario.point).toMatchObject({
        destroyed: STALE,
        active: ACTIVE,
        reaping: 0,
        failed: 0,
      });
    }
    const live = new Set(emulator.liveSessions());
    for (const scenario of scenarios) {
      for (const userId of scenario.stale) expect(live.has(userId), userId).toBe(false);
      for (const userId of scenario.active) expect(live.has(userId), userId).toBe(true);
    }
  });

  it('calls DestroySession at most twice for any session, never for an active one', () => {
    const perUser = destroyCallsPerUser(emulator.calls());
    for (const scenario of scenarios) {
      for (const userId of scenario.stale) {
        expect(perUser.get(userId), userId).toBeGreaterThanOrEqual(1);
        expect(perUser.get(userId), userId).toBeLessThanOrEqual(2);
      }
      for (const userId of scenario.active) expect(perUser.has(userId), userId).toBe(false);
    }
    // Killed between call and record: that session is called again by the next run.
    for (const scenario of scenarios.filter((s) => s.point.startsWith('call:'))) {
      expect(
        scenario.stale.some((userId) => perUser.get(userId) === 2),
        scenario.point,
      ).toBe(true);
    }
    reportFigures('crashes', {
      killPoints: scenarios.length,
      staleEach: STALE,
      leaseMs: LEASE_MS,
      recoveryRuns: maxOf(scenarios.map((s) => s.recovery.length)),
      leftReapingByPoint: Object.fromEntries(scenarios.map((s) => [s.point, s.leftReaping.length])),
      sessionsCalledTwice: [...perUser.values()].filter((n) => n === 2).length,
      maxCallsPerSession: maxOf(perUser.values()),
      ...phases,
    });
  });
});
