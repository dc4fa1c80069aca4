import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClaimLostError } from '../../../src/errors.js';
import type {
  Candidate,
  Claim,
  DueReason,
  FindCandidatesOptions,
  Session,
  SessionStore,
} from '../../../src/sessions/session-store.js';
import { createTestTable } from '../../helpers/dynamo.js';
import { FakeSessionStore } from '../../helpers/fake-store.js';

// The SessionStore port's specification, run against every implementation:
// the engine's unit tests trust the fake to behave as the DynamoDB store does.

const MINUTE = 60_000;
const NOW = 1_800_000_000_000;
const LEASE = MINUTE;
const RULES = {
  idleTimeoutMs: 5 * MINUTE,
  disconnectGraceMs: 90_000,
  maxAgeMs: 0,
} satisfies Omit<FindCandidatesOptions, 'now'>;

interface StoreUnderTest {
  store: SessionStore;
  close(): Promise<void>;
}

const implementations: [string, () => Promise<StoreUnderTest>][] = [
  [
    'FakeSessionStore',
    async () => ({ store: new FakeSessionStore(() => NOW), close: async () => {} }),
  ],
  [
    'DynamoDbSessionStore',
    async () => {
      const table = await createTestTable();
      return { store: table.store, close: () => table.drop() };
    },
  ],
];

describe.each(implementations)('Contract: SessionStore (%s)', (_name, open) => {
  let subject: StoreUnderTest;
  let store: SessionStore;
  let users = 0;
  let user: string;

  beforeAll(async () => {
    subject = await open();
    store = subject.store;
  });
  afterAll(async () => {
    await subject?.close();
  });
  // Every test works on users of its own: one store serves the whole file.
  beforeEach(() => {
    users += 1;
    user = `user-${users}`;
  });

  async function due(now: number, options: Partial<FindCandidatesOptions> = {}) {
    const found = new Map<string, DueReason>();
    for await (const page of store.findCandidates({ now, ...RULES, ...options })) {
      for (const candidate of page) found.set(candidate.session.userId, candidate.reason);
    }
    return found;
  }

  async function candidate(userId: string, now: number): Promise<Candidate> {
    for await (const page of store.findCandidates({ now, ...RULES })) {
      const found = page.find((each) => each.session.userId === userId);
      if (found) return found;
    }
    throw new Error(`${userId} is not due at ${now}`);
  }

  async function claimIdle(userId: string, now = NOW, claimant = 'run-1'): Promise<Claim> {
    await store.recordActivity([userId], now - 10 * MINUTE);
    const found = await candidate(userId, now);
    const result = await store.claim(found.session, {
      now,
      leaseMs: LEASE,
      claimant,
      reason: found.reason,
    });
    if (result.status !== 'claimed') throw new Error(`claim of ${userId}: ${result.status}`);
    return result.claim;
  }

  describe('Method: recordActivity', () => {
    it('creates an active session that started at its first activity', async () => {
      await store.recordActivity([user], NOW);
      expect(await store.get(user)).toMatchObject({
        userId: user,
        state: 'active',
        lastActiveAt: NOW,
        startedAt: NOW,
        attempts: 0,
      });
    });

    it('never moves lastActiveAt backwards', async () => {
      await store.recordActivity([user], NOW);
      await store.recordActivity([user], NOW - MINUTE);
      expect((await store.get(user))?.lastActiveAt).toBe(NOW);
    });

    it('brings a disconnected user back to active', async () => {
      await store.recordActivity([user], NOW - 2 * MINUTE);
      await store.recordDisconnect(user, NOW - MINUTE);
      await store.recordActivity([user], NOW);
      const session = await store.get(user);
      expect(session).toMatchObject({ state: 'active', lastActiveAt: NOW });
      expect(session?.disconnectedAt).toBeUndefined();
    });

    it('starts a new life for a destroyed session', async () => {
      const claim = await claimIdle(user);
      await store.recordOutcome(claim, { kind: 'destroyed', at: NOW, requestId: 'r-1' });
      await store.recordActivity([user], NOW + MINUTE);
      expect(await store.get(user)).toMatchObject({
        state: 'active',
        lastActiveAt: NOW + MINUTE,
        startedAt: NOW + MINUTE,
        attempts: 0,
      });
    });
  });

  describe('Method: recordDisconnect', () => {
    it('marks a live session disconnected at the given time', async () => {
      await store.recordActivity([user], NOW - MINUTE);
      await store.recordDisconnect(user, NOW);
      expect(await store.get(user)).toMatchObject({ state: 'disconnected', disconnectedAt: NOW });
    });

    it('creates a disconnected session for a user never seen', async () => {
      await store.recordDisconnect(user, NOW);
      expect(await store.get(user)).toMatchObject({ state: 'disconnected', disconnectedAt: NOW });
    });
  });

  describe('Method: findCandidates', () => {
    it('finds a session idle past the timeout, and not one short of it', async () => {
      const stale = `${user}-stale`;
      const fresh = `${user}-fresh`;
      await store.recordActivity([stale], NOW - 6 * MINUTE);
      await store.recordActivity([fresh], NOW - 4 * MINUTE);
      const found = await due(NOW);
      expect(found.get(stale)).toBe('idle');
      expect(found.has(fresh)).toBe(false);
    });

    it('waits the activity resolution on top of the idle timeout', async () => {
      await store.recordActivity([user], NOW - 6 * MINUTE);
      expect((await due(NOW, { activityResolutionMs: 2 * MINUTE })).has(user)).toBe(false);
      expect((await due(NOW + 2 * MINUTE, { activityResolutionMs: 2 * MINUTE })).get(user)).toBe(
        'idle',
      );
    });

    it('finds a disconnected session once the grace period has passed', async () => {
      await store.recordActivity([user], NOW - 3 * MINUTE);
      await store.recordDisconnect(user, NOW - 2 * MINUTE);
      expect((await due(NOW - MINUTE)).has(user)).toBe(false);
      expect((await due(NOW)).get(user)).toBe('disconnected');
    });

    it('finds a session past the age cap whatever its activity, when the cap is on', async () => {
      await store.recordActivity([user], NOW - 20 * MINUTE);
      await store.recordActivity([user], NOW);
      expect((await due(NOW)).has(user)).toBe(false);
      expect((await due(NOW, { maxAgeMs: 10 * MINUTE })).get(user)).toBe('max-age');
    });

    it('does not hand out a session claimed by a run whose lease still holds', async () => {
      await claimIdle(user);
      expect((await due(NOW + LEASE - 1)).has(user)).toBe(false);
      expect((await due(NOW + LEASE + 1)).get(user)).toBe('lease-expired');
    });

    it('does not hand out ended sessions', async () => {
      const claim = await claimIdle(user);
      await store.recordOutcome(claim, { kind: 'destroyed', at: NOW });
      expect((await due(NOW + 60 * MINUTE)).has(user)).toBe(false);
    });
  });

  describe('Method: claim', () => {
    it('claims a due session: reaping, held by the claimant until the lease ends', async () => {
      const claim = await claimIdle(user);
      expect(claim).toMatchObject({
        userId: user,
        claimant: 'run-1',
        leaseExpiresAt: NOW + LEASE,
        attempts: 0,
        reason: 'idle',
      });
      expect(await store.get(user)).toMatchObject({
        state: 'reaping',
        reapedBy: 'run-1',
        leaseExpiresAt: NOW + LEASE,
        claimedAt: NOW,
        reason: 'idle',
      });
    });

    it('loses when activity was recorded between the read and the claim', async () => {
      await store.recordActivity([user], NOW - 10 * MINUTE);
      const found = await candidate(user, NOW);
      await store.recordActivity([user], NOW - 1000);
      const result = await store.claim(found.session, { now: NOW, leaseMs: LEASE, claimant: 'a' });
      expect(result.status).toBe('lost');
      expect((await store.get(user))?.state).toBe('active');
    });

    it('lets one of two runs claim the same read', async () => {
      await store.recordActivity([user], NOW - 10 * MINUTE);
      const found = await candidate(user, NOW);
      const results = await Promise.all(
        ['a', 'b'].map((claimant) =>
          store.claim(found.session, { now: NOW, leaseMs: LEASE, claimant }),
        ),
      );
      expect(results.map((result) => result.status).sort()).toEqual(['claimed', 'lost']);
    });

    it('takes an expired claim over when nothing was recorded since it', async () => {
      await claimIdle(user, NOW, 'dead');
      const expired = await candidate(user, NOW + LEASE + 1);
      const result = await store.claim(expired.session, {
        now: NOW + LEASE + 1,
        leaseMs: LEASE,
        claimant: 'next',
        reason: expired.reason,
      });
      expect(result).toMatchObject({ status: 'claimed', claim: { claimant: 'next' } });
      expect(await store.get(user)).toMatchObject({ state: 'reaping', reason: 'idle' });
    });

    it('records the call as going out when the claim is made at its slot, and only then', async () => {
      await store.recordActivity([user, 'other'], NOW - 10 * MINUTE);
      const atSlot = await candidate(user, NOW);
      const early = await candidate('other', NOW);
      const claim = { now: NOW, leaseMs: LEASE, claimant: 'a' };
      const sending = await store.claim(atSlot.session, { ...claim, sending: true });
      const plain = await store.claim(early.session, claim);
      expect([sending.status, plain.status]).toEqual(['claimed', 'claimed']);
      expect((await store.get(user))?.sendingAt).toBe(NOW);
      expect((await store.get('other'))?.sendingAt).toBeUndefined();
      // The claim is the last check: a check of the same claim finds nothing recorded since.
      if (sending.status !== 'claimed') throw new Error('not claimed');
      expect((await store.markSending(sending.claim, NOW + 100)).status).toBe('clear');
    });

    it('revives, and does not take over, an expired claim whose user is back', async () => {
      await claimIdle(user, NOW, 'dead');
      await store.recordActivity([user], NOW + 500);
      const expired = await candidate(user, NOW + LEASE + 1);
      const result = await store.claim(expired.session, {
        now: NOW + LEASE + 1,
        leaseMs: LEASE,
        claimant: 'next',
      });
      expect(result).toMatchObject({
        status: 'lost',
        current: { state: 'active', lastActiveAt: NOW + 500 },
      });
      const session = await store.get(user);
      expect(session).toMatchObject({ state: 'active', lastActiveAt: NOW + 500 });
      expect(session?.leaseExpiresAt).toBeUndefined();
    });
  });

  describe('Method: claimByUserId', () => {
    it('claims a named session whatever its state, creating it if absent', async () => {
      const result = await store.claimByUserId(user, { now: NOW, leaseMs: LEASE, claimant: 'op' });
      expect(result).toMatchObject({
        status: 'claimed',
        claim: { userId: user, reason: 'manual' },
      });
      expect((await store.get(user))?.state).toBe('reaping');
    });

    it("refuses while another claimant's lease holds", async () => {
      await claimIdle(user, NOW, 'run-1');
      const result = await store.claimByUserId(user, {
        now: NOW + 1000,
        leaseMs: LEASE,
        claimant: 'op',
      });
      expect(result.status).toBe('lost');
    });

    it('with onlyDisconnected, claims a disconnected session and refuses a returned one', async () => {
      const gone = `${user}-gone`;
      const back = `${user}-back`;
      await store.recordDisconnect(gone, NOW);
      await store.recordDisconnect(back, NOW);
      await store.recordActivity([back], NOW + 1000);
      const options = { now: NOW + 2000, leaseMs: LEASE, claimant: 'hook', onlyDisconnected: true };
      expect((await store.claimByUserId(gone, options)).status).toBe('claimed');
      expect((await store.claimByUserId(back, options)).status).toBe('lost');
      expect((await store.get(back))?.state).toBe('active');
    });

    it('a named claim made at its slot records the call as going out; one made ahead clears an old mark', async () => {
      await store.recordDisconnect(user, NOW);
      const options = { now: NOW + 2000, leaseMs: LEASE, claimant: 'hook', onlyDisconnected: true };
      const atSlot = await store.claimByUserId(user, { ...options, sending: true });
      expect(atSlot.status).toBe('claimed');
      expect((await store.get(user))?.sendingAt).toBe(NOW + 2000);
      // The same claimant again, ahead of a call this time: the old mark does not stay.
      const again = await store.claimByUserId(user, {
        now: NOW + 3000,
        leaseMs: LEASE,
        claimant: 'hook',
      });
      expect(again.status).toBe('claimed');
      expect((await store.get(user))?.sendingAt).toBeUndefined();
    });
  });

  describe('Methods: findWarnable, markWarned and the warn-first claim', () => {
    const WARN = MINUTE;

    async function warnable(now: number) {
      const found = new Map<string, number>();
      for await (const page of store.findWarnable?.({ now, ...RULES, warnMs: WARN }) ?? []) {
        for (const each of page) found.set(each.session.userId, each.dueAt);
      }
      return found;
    }

    it('finds a session due within the warning time, and not one due later', async () => {
      const soon = `${user}-soon`;
      const later = `${user}-later`;
      await store.recordActivity([soon], NOW - 5 * MINUTE + 30_000);
      await store.recordActivity([later], NOW - 3 * MINUTE);
      const found = await warnable(NOW);
      // Warned now, it is reaped no sooner than the warning time later.
      expect(found.get(soon)).toBe(NOW + WARN);
      expect(found.has(later)).toBe(false);
    });

    it('records one warning per idle period, and none over activity since the read', async () => {
      await store.recordActivity([user], NOW - 5 * MINUTE + 30_000);
      const read = (await store.get(user)) as Session;
      expect(await store.markWarned?.(read, NOW)).toBe(true);
      expect(await store.markWarned?.(read, NOW + 1)).toBe(false);
      expect((await warnable(NOW + 2)).has(user)).toBe(false);

      await store.recordActivity([user], NOW + 10_000);
      const back = (await store.get(user)) as Session;
      // Activity within the same moment of a cheap write: the warning is refused.
      await store.recordActivity([user], NOW + 20_000);
      expect(await store.markWarned?.(back, NOW + 4 * MINUTE + 30_000)).toBe(false);
      expect((await warnable(NOW + 4 * MINUTE + 30_000)).has(user)).toBe(true);
    });

    it('claims a due session only once warned at least the warning time ago, with no activity since', async () => {
      await store.recordActivity([user], NOW - 10 * MINUTE);
      const warnFirst = { leaseMs: LEASE, claimant: 'run-1' };
      const unwarned = await candidate(user, NOW);
      const refused = await store.claim(unwarned.session, {
        ...warnFirst,
        now: NOW,
        warnedBy: NOW - WARN,
      });
      expect(refused.status).toBe('lost');
      expect(await store.markWarned?.((await store.get(user)) as Session, NOW)).toBe(true);
      const early = await candidate(user, NOW + WARN - 1);
      expect(
        (await store.claim(early.session, { ...warnFirst, now: NOW + WARN - 1, warnedBy: NOW - 1 }))
          .status,
      ).toBe('lost');
      const late = await candidate(user, NOW + WARN);
      const claimed = await store.claim(late.session, {
        ...warnFirst,
        now: NOW + WARN,
        warnedBy: NOW,
      });
      expect(claimed.status).toBe('claimed');
    });
  });

  describe('Method: markSending', () => {
    it('is clear when nothing was recorded since the claim', async () => {
      const claim = await claimIdle(user);
      const check = await store.markSending(claim, NOW + 100);
      expect(check.status).toBe('clear');
      expect((await store.get(user))?.sendingAt).toBe(NOW + 100);
    });

    it('says the user returned when activity was recorded since the claim', async () => {
      const claim = await claimIdle(user);
      await store.recordActivity([user], NOW + 50);
      const check = await store.markSending(claim, NOW + 100);
      expect(check).toMatchObject({ status: 'returned', current: { lastActiveAt: NOW + 50 } });
    });

    it('says the claim is lost when another run took it over', async () => {
      const claim = await claimIdle(user, NOW, 'dead');
      const expired = await candidate(user, NOW + LEASE + 1);
      await store.claim(expired.session, { now: NOW + LEASE + 1, leaseMs: LEASE, claimant: 'b' });
      expect((await store.markSending(claim, NOW + LEASE + 2)).status).toBe('lost');
    });
  });

  describe('Method: recordOutcome', () => {
    it('records a destroy: destroyed, when, the request id and the attempt', async () => {
      const claim = await claimIdle(user);
      const check = await store.markSending(claim, NOW + 10);
      if (check.status !== 'clear') throw new Error(check.status);
      await store.recordOutcome(check.claim, { kind: 'destroyed', at: NOW + 20, requestId: 'r-1' });
      const session = await store.get(user);
      expect(session).toMatchObject({
        state: 'destroyed',
        destroyedAt: NOW + 20,
        requestId: 'r-1',
        attempts: 1,
        reason: 'idle',
      });
      expect(session?.leaseExpiresAt).toBeUndefined();
      expect(session?.alreadyGone).toBeUndefined();
    });

    it('records a session CAR reported gone as destroyed, alreadyGone', async () => {
      const claim = await claimIdle(user);
      await store.recordOutcome(claim, { kind: 'destroyed', at: NOW + 20, alreadyGone: true });
      expect(await store.get(user)).toMatchObject({ state: 'destroyed', alreadyGone: true });
    });

    it('records a retry: live again, due for retry at nextAttemptAt', async () => {
      const claim = await claimIdle(user);
      await store.recordOutcome(claim, {
        kind: 'retry',
        at: NOW + 20,
        error: 'InternalError: try later',
        nextAttemptAt: NOW + 5 * MINUTE,
      });
      expect(await store.get(user)).toMatchObject({
        state: 'active',
        lastError: 'InternalError: try later',
        nextAttemptAt: NOW + 5 * MINUTE,
        firstFailedAt: NOW + 20,
        attempts: 1,
      });
      expect((await due(NOW + MINUTE)).has(user)).toBe(false);
      expect((await due(NOW + 5 * MINUTE)).get(user)).toBe('retry');
    });

    it('records a failure: failed, with the error', async () => {
      const claim = await claimIdle(user);
      await store.recordOutcome(claim, { kind: 'failed', at: NOW + 20, error: 'AuthFailure' });
      expect(await store.get(user)).toMatchObject({
        state: 'failed',
        lastError: 'AuthFailure',
        attempts: 1,
      });
    });

    it('puts a released session back as it was, keeping activity recorded meanwhile', async () => {
      const claim = await claimIdle(user);
      await store.recordActivity([user], NOW + 50);
      await store.recordOutcome(claim, { kind: 'released', at: NOW + 100 });
      const session = await store.get(user);
      expect(session).toMatchObject({ state: 'active', lastActiveAt: NOW + 50, attempts: 0 });
      expect(session?.leaseExpiresAt).toBeUndefined();
    });

    it('takes the attempts the engine counted', async () => {
      const claim = await claimIdle(user);
      await store.recordOutcome(claim, { kind: 'destroyed', at: NOW + 20, attempts: 3 });
      expect((await store.get(user))?.attempts).toBe(3);
    });

    it('refuses an outcome from a claim no longer held', async () => {
      const claim = await claimIdle(user, NOW, 'dead');
      const expired = await candidate(user, NOW + LEASE + 1);
      await store.claim(expired.session, { now: NOW + LEASE + 1, leaseMs: LEASE, claimant: 'b' });
      await expect(
        store.recordOutcome(claim, { kind: 'destroyed', at: NOW + LEASE + 2 }),
      ).rejects.toBeInstanceOf(ClaimLostError);
      expect(await store.get(user)).toMatchObject({ state: 'reaping', reapedBy: 'b' });
    });
  });

  describe('Method: counts', () => {
    it('counts sessions by state', async () => {
      const before = await store.counts();
      await store.recordActivity([`${user}-a`], NOW);
      await store.recordDisconnect(`${user}-d`, NOW);
      const after = await store.counts();
      expect(after.active - before.active).toBe(1);
      expect(after.disconnected - before.disconnected).toBe(1);
      expect(Object.keys(after).sort()).toEqual(
        ['active', 'destroyed', 'disconnected', 'failed', 'reaping'].sort(),
      );
    });
  });
});
