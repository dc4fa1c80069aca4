import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReapSummary } from '../../src/reaper/types.js';
import {
  destroyCallsPerUser,
  ids,
  maxOf,
  type ReliabilityStack,
  reportFigures,
  startReliabilityStack,
} from './support/stack.js';

// The emulator misbehaves on every kind of call: 20% retryable CAR errors,
// 5% connection resets (TCP RST) and 2% calls never answered, which the
// client gives up on after its (short) timeout. Three scheduled runs, a
// minute apart on the reaper's clock, must end every stale session and
// record it, and leave the active users alone.
const STALE = 300;
const ACTIVE = 100;
// Short enough that hangs cost little, long enough that a loaded 2-core CI
// machine answers the healthy calls within it.
const TIMEOUT_MS = 1000;

let stack: ReliabilityStack;
const summaries: ReapSummary[] = [];
const staleIds = ids('stale', STALE);
const activeIds = ids('active', ACTIVE);
let started = 0;

beforeAll(async () => {
  stack = await startReliabilityStack({
    rate: 200,
    faults: {
      errorRate: 0.2,
      errorCodes: [
        'InternalError',
        'FailedOperation.ProcessTimeout',
        'ResourceUnavailable.AccessFailed',
      ],
      resetRate: 0.05,
      hangRate: 0.02,
      actions: ['DestroySession'],
    },
  });
  const now = Date.now();
  await stack.seed(staleIds, now - 10 * 60_000);
  await stack.seed(activeIds, now);
  started = Date.now();
  for (let run = 0; run < 3; run++) {
    // A scheduled run each minute, as EventBridge fires them (time moved, not slept).
    const offset = run * 60_000;
    const runtime = stack.runtime(
      // The default maxAttempts (5 calls per session per run): a session unlucky
      // five times in a run stays due with a retry pending and the next run ends it.
      { clock: () => Date.now() + offset },
      { CAR_QUOTA_RPS: '200', CAR_TIMEOUT_MS: String(TIMEOUT_MS), IDLE_TIMEOUT_SECONDS: '300' },
    );
    summaries.push(
      await runtime.reaper.reap({ trigger: 'schedule', deadline: Date.now() + offset + 50_000 }),
    );
  }
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('Reliability: CAR faults (20% errors, 5% resets, 2% hangs)', () => {
  it('destroys every stale session within 3 scheduled runs and records each outcome', async () => {
    const counts = await stack.table.store.counts();
    expect(counts).toMatchObject({ destroyed: STALE, active: ACTIVE, reaping: 0, failed: 0 });
    expect(summaries.reduce((sum, s) => sum + s.failed, 0)).toBe(0);
    for (const userId of staleIds) {
      const session = await stack.table.store.get(userId);
      expect(session).toMatchObject({ state: 'destroyed', reapedBy: expect.any(String) });
      expect(session?.attempts).toBeGreaterThanOrEqual(1);
      expect(session?.destroyedAt).toEqual(expect.any(Number));
      expect(session?.requestId).toEqual(expect.any(String));
    }
    expect(new Set(stack.emulator.liveSessions())).toEqual(new Set(activeIds));
  });

  it('never calls DestroySession for an active session', () => {
    const called = destroyCallsPerUser(stack.emulator.calls());
    for (const userId of activeIds) expect(called.has(userId)).toBe(false);
  });

  it('met every kind of fault on the way, and the summaries add up', () => {
    const calls = stack.emulator.calls().filter((c) => c.action === 'DestroySession');
    const outcomes = { ok: 0, error: 0, reset: 0, hang: 0 };
    for (const call of calls) outcomes[call.outcome]++;
    expect(outcomes.error).toBeGreaterThan(0);
    expect(outcomes.reset).toBeGreaterThan(0);
    expect(outcomes.hang).toBeGreaterThan(0);
    // At least one successful answer per stale session; a few more when an
    // answer came after the client's timeout (the retry is answered as done).
    expect(outcomes.ok).toBeGreaterThanOrEqual(STALE);
    const destroyed = summaries.reduce((sum, s) => sum + s.destroyed, 0);
    expect(destroyed).toBe(STALE);
    expect(summaries.reduce((sum, s) => sum + (s.calls ?? 0), 0)).toBe(calls.length);
    expect(summaries.every((s) => (s.unrecorded ?? 0) === 0)).toBe(true);

    const perUser = destroyCallsPerUser(calls);
    reportFigures('car-faults', {
      stale: STALE,
      active: ACTIVE,
      clientTimeoutMs: TIMEOUT_MS,
      runsWithWork: summaries.filter((s) => s.claimed > 0).length,
      destroyedPerRun: summaries.map((s) => s.destroyed),
      retriedPerRun: summaries.map((s) => s.retried),
      calls: calls.length,
      outcomes,
      maxCallsPerSession: maxOf(perUser.values()),
      meanCallsPerSession: Number((calls.length / STALE).toFixed(2)),
      durationMsPerRun: summaries.map((s) => s.durationMs),
      wallMs: Date.now() - started,
    });
  });
});
