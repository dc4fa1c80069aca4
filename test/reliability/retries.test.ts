import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReapSummary } from '../../src/reaper/types.js';
import {
  destroyCallsPerUser,
  ids,
  type ReliabilityStack,
  reportFigures,
  startReliabilityStack,
} from './support/stack.js';

// Scripted users whose DestroySession fails 7 and 12 times (more than the
// default maxAttempts of 5 calls a run) before it succeeds, users CAR says are
// already gone or ending, and a busy one, among plain stale sessions, with 5%
// random errors and 2% connection resets on top. Runs follow each other a few
// seconds apart on the reaper's clock, RETRY_MAX_DELAY_SECONDS=2, and the
// default maxAttempts: every stale session must end destroyed, none failed.
const PLAIN = 150;
const RUN_EVERY_MS = 3000;
const MAX_RUNS = 12;

const plain = ids('plain', PLAIN);
const sevenTimes = ids('fails-7', 10);
const twelveTimes = ids('fails-12', 10);
const notFound = ids('not-found', 10);
const stopping = ids('stopping', 10);
const busy = ids('busy', 5);
const stale = [...plain, ...sevenTimes, ...twelveTimes, ...notFound, ...stopping, ...busy];

let stack: ReliabilityStack;
const summaries: ReapSummary[] = [];

const script = (users: string[], code: string, times: number) =>
  Object.fromEntries(users.map((userId) => [userId, { code, times }]));

beforeAll(async () => {
  stack = await startReliabilityStack({
    rate: 200,
    faults: {
      errorRate: 0.05,
      errorCodes: ['InternalError', 'FailedOperation.ProcessTimeout'],
      resetRate: 0.02,
      actions: ['DestroySession'],
      userFailures: {
        ...script(sevenTimes, 'InternalError', 7),
        ...script(twelveTimes, 'ResourceUnavailable.AccessFailed', 12),
        ...script(busy, 'FailedOperation.SlowDown', 3),
      },
      userErrors: {
        ...Object.fromEntries(notFound.map((u) => [u, 'ResourceNotFound.SessionNotFound'])),
        ...Object.fromEntries(stopping.map((u) => [u, 'UnsupportedOperation.Stopping'])),
      },
    },
  });
  await stack.seed(stale, Date.now() - 10 * 60_000);
  for (let run = 0; run < MAX_RUNS; run++) {
    // A run every few seconds, as a fast schedule would fire them (time moved, not slept).
    const offset = run * RUN_EVERY_MS;
    const runtime = stack.runtime(
      { clock: () => Date.now() + offset },
      { CAR_QUOTA_RPS: '200', CAR_TIMEOUT_MS: '2000', RETRY_MAX_DELAY_SECONDS: '2' },
    );
    summaries.push(
      await runtime.reaper.reap({ trigger: 'schedule', deadline: Date.now() + offset + 60_000 }),
    );
    if ((await stack.table.store.counts()).destroyed === stale.length) break;
  }
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

describe('Reliability: retries across runs (scripted failures beyond maxAttempts, 5% errors, 2% resets)', () => {
  it('destroys every stale session within a few runs, and records none failed', async () => {
    expect(await stack.table.store.counts()).toMatchObject({
      destroyed: stale.length,
      failed: 0,
      reaping: 0,
    });
    expect(summaries.reduce((sum, s) => sum + s.failed, 0)).toBe(0);
    // The emulator has no session left for any of them but those its script answers
    // for as gone or ending (the script answers, it does not end them).
    const answeredGone = new Set([...notFound, ...stopping]);
    expect(stack.emulator.liveSessions().filter((userId) => !answeredGone.has(userId))).toEqual([]);
  });

  it('spends at most maxAttempts (5) calls on a session per run, and the scripted ones took several runs', async () => {
    const perUser = destroyCallsPerUser(stack.emulator.calls());
    for (const userId of twelveTimes) expect(perUser.get(userId)).toBeGreaterThanOrEqual(13);
    for (const userId of sevenTimes) expect(perUser.get(userId)).toBeGreaterThanOrEqual(8);
    expect(summaries.length).toBeGreaterThanOrEqual(3);
    for (const summary of summaries) {
      // Throttled answers are not attempts: they say nothing about the session.
      expect(summary.calls ?? 0).toBeLessThanOrEqual(5 * summary.claimed + summary.throttled);
    }
    const session = await stack.table.store.get('fails-12-0');
    expect(session).toMatchObject({ state: 'destroyed', reason: 'idle' });
    expect(session?.attempts).toBeGreaterThanOrEqual(13);
  });

  it('records gone and ending sessions as destroyed, already gone', async () => {
    for (const userId of [...notFound, ...stopping]) {
      expect(await stack.table.store.get(userId)).toMatchObject({
        state: 'destroyed',
        alreadyGone: true,
      });
    }
    const gone = summaries.reduce((sum, s) => sum + s.alreadyGone, 0);
    expect(gone).toBeGreaterThanOrEqual(notFound.length + stopping.length);
    reportFigures('retries', {
      stale: stale.length,
      runs: summaries.length,
      destroyedPerRun: summaries.map((s) => s.destroyed),
      retriedPerRun: summaries.map((s) => s.retried),
      alreadyGone: gone,
      calls: summaries.reduce((sum, s) => sum + (s.calls ?? 0), 0),
      claimToSendMs: summaries[0]?.claimToSendMs,
    });
  });
});
