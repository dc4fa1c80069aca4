import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CarApi } from '../../src/car/car-api.js';
import { createTencentCarApi } from '../../src/car/tencent-car-api.js';
import { createDynamoDbClient } from '../../src/dynamodb/client.js';
import { DynamoDbSessionStore } from '../../src/dynamodb/dynamodb-session-store.js';
import type { ReapSummary } from '../../src/reaper/types.js';
import type { SessionStore } from '../../src/sessions/session-store.js';
import { aSession, seedSessions } from '../helpers/dynamo.js';
import {
  destroyCallsPerUser,
  ids,
  type ReliabilityStack,
  reportFigures,
  startReliabilityStack,
} from './support/stack.js';

// 500 users whose last activity sits on either side of the idle cutoff, all
// sending heartbeats (through a store of their own, as the heartbeat endpoint
// does) while a reap runs. Ordering is taken from one in-process sequence
// number, not from clocks: an activity write "was recorded before the claim"
// when its answer was handled before the claim request was sent.
//
// Default coalescing: the reaper allows for the default activity resolution
// (30 s), and the users' store keeps heartbeats off the due index within its
// default step (90 s). With a 30 s idle timeout every heartbeat here is such
// a write (lastActiveAt alone, no new version): only the claim's re-check of
// lastActiveAt stands between them and a destroy.
const USERS = 500;
const IDLE_MS = 30_000;
const RESOLUTION_MS = 30_000;
const WORKERS = 24;

let stack: ReliabilityStack;
let summary: ReapSummary;
let seq = 0;
/** Per user: sequence numbers at which an activity write completed. */
const activityDone = new Map<string, number[]>();
/** Per user: sequence number at which the reaper sent its (successful) claim. */
const claimSent = new Map<string, number>();
const userIds = ids('racer', USERS);
let activityWrites = 0;
/**
 * Users with a DestroySession the reaper heard no answer to (its client timed
 * out or the connection broke): CAR may have acted on it. On a machine short
 * of CPU these happen, and the reaper rightly treats them as retryable.
 */
const unanswered = new Set<string>();
/** Users whose destroy the reaper recorded. */
const recordedDestroyed = new Set<string>();

/** The stack's CAR client, noting the calls that ended without an answer from CAR. */
const answerRecording = (inner: CarApi): CarApi => ({
  prepare: () => inner.prepare?.() ?? Promise.resolve(),
  describeConcurrentCount: () => inner.describeConcurrentCount(),
  async destroySession(userId) {
    const result = await inner.destroySession(userId);
    if (!result.ok && result.error.requestId === undefined) unanswered.add(userId);
    return result;
  },
});

/** The reaper's store, noting when each claim that succeeded was sent. */
const claimRecording = (inner: SessionStore): SessionStore => ({
  recordActivity: (u, at) => inner.recordActivity(u, at),
  recordDisconnect: (u, at) => inner.recordDisconnect(u, at),
  findCandidates: (options) => inner.findCandidates(options),
  claimByUserId: (u, options) => inner.claimByUserId(u, options),
  markSending: (claim, at) => inner.markSending(claim, at),
  recordOutcome(claim, outcome) {
    if (outcome.kind === 'destroyed') recordedDestroyed.add(claim.userId);
    return inner.recordOutcome(claim, outcome);
  },
  get: (u) => inner.get(u),
  counts: () => inner.counts(),
  async claim(session, options) {
    const sentAt = ++seq;
    const result = await inner.claim(session, options);
    if (result.status === 'claimed') claimSent.set(session.userId, sentAt);
    return result;
  },
});

describe('Reliability: activity racing a reap at a borderline idle timeout', () => {
  beforeAll(async () => {
    stack = await startReliabilityStack({ rate: 1000 });
    const now = Date.now();
    // Last active between 1.5 s before and 1.5 s after the idle cutoff.
    await seedSessions(
      stack.table,
      userIds.map((userId, i) =>
        aSession({ userId }, now - IDLE_MS - RESOLUTION_MS + ((i * 7919) % 3000) - 1500),
      ),
    );
    stack.emulator.seedSessions(userIds);

    const client = createDynamoDbClient({
      awsRegion: 'us-east-1',
      dynamodbEndpoint: stack.table.endpoint,
    });
    const users = new DynamoDbSessionStore({ client, tableName: stack.table.tableName });
    const car = createTencentCarApi({
      endpoint: stack.emulator.url,
      credentials: {
        secretId: String(stack.env.TENCENTCLOUD_SECRET_ID),
        secretKey: String(stack.env.TENCENTCLOUD_SECRET_KEY),
      },
      timeoutMs: 5000,
    });
    const runtime = stack.runtime(
      { store: claimRecording(stack.table.store), car: answerRecording(car) },
      { CAR_QUOTA_RPS: '500', IDLE_TIMEOUT_SECONDS: String(IDLE_MS / 1000) },
    );
    let running = true;
    const reap = runtime.reaper.reap({ trigger: 'schedule' }).finally(() => {
      running = false;
    });
    // Users keep sending activity, in a shuffled order, until the run is over.
    const order = [...userIds].sort((a, b) => ((a.length * 31 + b.charCodeAt(6)) % 3) - 1);
    let next = 0;
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        while (running || next < USERS) {
          const userId = order[next++ % USERS] as string;
          await users.recordActivity([userId], Date.now());
          activityWrites++;
          const done = activityDone.get(userId) ?? [];
          done.push(++seq);
          activityDone.set(userId, done);
        }
      }),
    );
    summary = await reap;
    car.close();
    client.destroy();
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('destroys no session whose activity was recorded before its claim', async () => {
    const called = destroyCallsPerUser(stack.emulator.calls());
    let destroyed = 0;
    let unheard = 0;
    for (const userId of userIds) {
      const session = await stack.table.store.get(userId);
      const sent = claimSent.get(userId);
      if (!called.has(userId)) {
        // Never sent to CAR: not destroyed in the table either.
        expect(session?.state, userId).not.toBe('destroyed');
        continue;
      }
      expect(sent, `${userId} destroyed without a claim`).toBeDefined();
      const before = (activityDone.get(userId) ?? []).filter((at) => at < (sent as number));
      expect(before, `${userId}: activity recorded before its claim`).toEqual([]);
      if (recordedDestroyed.has(userId)) destroyed++;
      else {
        // Sent, and not recorded destroyed: only when the reaper never heard CAR's answer.
        expect(unanswered.has(userId), `${userId}: called, answered and not recorded`).toBe(true);
        unheard++;
      }
    }
    expect(destroyed).toBe(summary.destroyed);
    expect(destroyed).toBeGreaterThan(0);
    reportFigures('races', {
      users: USERS,
      idleTimeoutMs: IDLE_MS,
      activityWrites,
      candidates: summary.candidates,
      claimed: summary.claimed,
      destroyed: summary.destroyed,
      calledWithoutAnAnswerHeard: unheard,
      skippedLostRaces: summary.skipped,
      durationMs: summary.durationMs,
    });
  });

  it('leaves every user it did not destroy live at CAR and in the table', async () => {
    const live = new Set(stack.emulator.liveSessions());
    const counts = await stack.table.store.counts();
    expect(counts.reaping).toBe(0);
    expect(counts.failed).toBe(0);
    // Heartbeats kept coming after some destroys: those users started new lives (active).
    expect(counts.destroyed + counts.active).toBe(USERS);
    const called = destroyCallsPerUser(stack.emulator.calls());
    const unheard = [...unanswered].filter((u) => called.has(u) && !live.has(u)).length;
    expect(live.size).toBe(USERS - summary.destroyed - unheard);
  });
});

// See docs/reliability.md ("Takeover after a user came back (fixed)"): an expired
// claim is not taken over when activity was recorded since the dead run
// claimed it; the store revives the session instead.
describe('Reliability: a user back while a dead run still holds the claim', () => {
  it('is not destroyed by the run that takes the expired claim over', async () => {
    const local = await startReliabilityStack();
    try {
      const now = Date.now();
      await local.seed(['ghost'], now - 10 * 60_000);
      const session = await local.table.store.get('ghost');
      // A run claims the idle session and dies before calling CAR...
      const claim = await local.table.store.claim(session as NonNullable<typeof session>, {
        now,
        leaseMs: 2000,
        claimant: 'dead-run',
      });
      expect(claim.status).toBe('claimed');
      // ...then the user is back: activity recorded while the session is `reaping`.
      await local.table.store.recordActivity(['ghost'], now + 500);

      // The next scheduled run, after the dead run's lease has ended.
      const runtime = local.runtime({ clock: () => Date.now() + 5000 });
      await runtime.reaper.reap({ trigger: 'schedule' });

      expect(destroyCallsPerUser(local.emulator.calls()).get('ghost')).toBeUndefined();
      expect(local.emulator.liveSessions()).toEqual(['ghost']);
      expect((await local.table.store.get('ghost'))?.state).toBe('active');
    } finally {
      await local.stop();
    }
  });
});
