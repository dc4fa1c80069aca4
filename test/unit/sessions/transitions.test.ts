import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Session } from '../../../src/sessions/session-store.js';
import {
  applyActivity,
  applyDisconnect,
  restoreAfterRelease,
  reviveAbandonedClaim,
} from '../../../src/sessions/transitions.js';

const base: Session = {
  userId: 'u',
  state: 'active',
  lastActiveAt: 1000,
  startedAt: 500,
  attempts: 0,
  version: 3,
};

describe('Function: applyActivity', () => {
  it('starts a new active session for an unknown user', () => {
    expect(applyActivity('u', undefined, 7)).toEqual({
      userId: 'u',
      state: 'active',
      lastActiveAt: 7,
      startedAt: 7,
      attempts: 0,
      version: 1,
    });
  });

  it('is a no-op for activity at or before lastActiveAt', () => {
    expect(applyActivity('u', base, 1000)).toBeUndefined();
    expect(applyActivity('u', base, 999)).toBeUndefined();
  });

  it('cancels a pending retry: the user is back', () => {
    const retrying = { ...base, nextAttemptAt: 5000, attempts: 2, lastError: 'InternalError' };
    expect(applyActivity('u', retrying, 2000)).toEqual({ ...base, lastActiveAt: 2000, version: 4 });
  });

  it('only raises lastActiveAt while reaping', () => {
    const reaping = { ...base, state: 'reaping' as const, reapedBy: 'run', leaseExpiresAt: 9000 };
    expect(applyActivity('u', reaping, 2000)).toEqual({
      ...reaping,
      lastActiveAt: 2000,
      version: 4,
    });
  });

  it('keeps a late heartbeat from before the disconnect from reconnecting the user', () => {
    const gone = { ...base, state: 'disconnected' as const, disconnectedAt: 3000 };
    expect(applyActivity('u', gone, 2000)).toEqual({ ...gone, lastActiveAt: 2000, version: 4 });
    expect(applyActivity('u', gone, 3001)).toEqual({ ...base, lastActiveAt: 3001, version: 4 });
  });

  it('revives destroyed only with activity after destroyedAt, and failed with any newer activity', () => {
    const destroyed = {
      ...base,
      state: 'destroyed' as const,
      destroyedAt: 3000,
      requestId: 'r',
      attempts: 1,
    };
    expect(applyActivity('u', destroyed, 2000)).toMatchObject({
      state: 'destroyed',
      lastActiveAt: 2000,
    });
    expect(applyActivity('u', destroyed, 3001)).toEqual({
      userId: 'u',
      state: 'active',
      lastActiveAt: 3001,
      startedAt: 3001,
      attempts: 0,
      version: 4,
    });
    const failed = { ...base, state: 'failed' as const, lastError: 'x', attempts: 5 };
    expect(applyActivity('u', failed, 1001)).toMatchObject({
      state: 'active',
      attempts: 0,
      startedAt: 1001,
    });
  });
});

describe('Function: applyDisconnect', () => {
  it('creates a disconnected session for an unknown user', () => {
    expect(applyDisconnect('u', undefined, 5)).toMatchObject({
      state: 'disconnected',
      disconnectedAt: 5,
      lastActiveAt: 5,
    });
  });

  it('ignores a disconnect older than the last activity', () => {
    expect(applyDisconnect('u', base, 999)).toBeUndefined();
  });

  it('keeps the earliest disconnect, so repeated delivery never restarts the grace period', () => {
    const gone = applyDisconnect('u', base, 2000) as Session;
    expect(gone).toMatchObject({ state: 'disconnected', disconnectedAt: 2000, version: 4 });
    expect(applyDisconnect('u', gone, 2000)).toBeUndefined();
    expect(applyDisconnect('u', gone, 2500)).toBeUndefined();
    expect(applyDisconnect('u', gone, 1500)).toMatchObject({ disconnectedAt: 1500 });
  });

  it('leaves reaping and ended sessions alone', () => {
    for (const state of ['reaping', 'destroyed', 'failed'] as const) {
      expect(applyDisconnect('u', { ...base, state }, 5000)).toBeUndefined();
    }
  });
});

describe('Function: restoreAfterRelease', () => {
  it('restores the previous session with a version above the current one', () => {
    const current = { ...base, state: 'reaping' as const, version: 9 };
    expect(restoreAfterRelease(base, current)).toEqual({ ...base, version: 10 });
  });

  it('replays activity recorded while reaping', () => {
    const previous = { ...base, state: 'disconnected' as const, disconnectedAt: 1500 };
    const current = { ...previous, state: 'reaping' as const, lastActiveAt: 4000, version: 9 };
    expect(restoreAfterRelease(previous, current)).toEqual({
      ...base,
      lastActiveAt: 4000,
      version: 10,
    });
  });

  it('removes a session the claim created, unless activity arrived meanwhile', () => {
    const created = { ...base, lastActiveAt: 0, version: 0 };
    expect(
      restoreAfterRelease(created, { ...created, state: 'reaping', version: 1 }),
    ).toBeUndefined();
    expect(
      restoreAfterRelease(created, { ...created, state: 'reaping', lastActiveAt: 50, version: 2 }),
    ).toMatchObject({
      state: 'active',
      lastActiveAt: 50,
      version: 3,
    });
  });
});

describe('Function: reviveAbandonedClaim', () => {
  const abandoned: Session = {
    ...base,
    state: 'reaping',
    lastActiveAt: 9000,
    reapedBy: 'dead-run',
    leaseExpiresAt: 8000,
    claimedAt: 7000,
    version: 6,
  };

  it('makes the session active again: lastActiveAt kept, claim fields gone, attempts reset', () => {
    expect(reviveAbandonedClaim({ ...abandoned, attempts: 1 })).toEqual({
      ...base,
      state: 'active',
      lastActiveAt: 9000,
      reapedBy: 'dead-run',
      attempts: 0,
      version: 7,
    });
  });

  it('drops a pending retry and its error, and a disconnect the activity came after', () => {
    const retrying = {
      ...abandoned,
      disconnectedAt: 6500,
      nextAttemptAt: 6000,
      lastError: 'InternalError',
      attempts: 2,
    };
    const revived = reviveAbandonedClaim(retrying);
    expect(revived).toMatchObject({ state: 'active', attempts: 0 });
    expect(revived).not.toHaveProperty('disconnectedAt');
    expect(revived).not.toHaveProperty('nextAttemptAt');
    expect(revived).not.toHaveProperty('lastError');
  });

  it('keeps a session disconnected, retry pending, when the activity predates the disconnect', () => {
    const late = { ...abandoned, disconnectedAt: 9500, nextAttemptAt: 6000, attempts: 1 };
    const { leaseExpiresAt: _lease, claimedAt: _claimed, ...unclaimed } = late;
    expect(reviveAbandonedClaim(late)).toEqual({ ...unclaimed, state: 'disconnected', version: 7 });
  });
});

describe('Function: restoreAfterRelease (of a takeover)', () => {
  const abandoned: Session = {
    ...base,
    state: 'reaping',
    reapedBy: 'dead-run',
    leaseExpiresAt: 2000,
    claimedAt: 1500,
    version: 4,
  };

  it('puts the abandoned claim back when no activity came during the takeover', () => {
    const current = { ...abandoned, reapedBy: 'next', version: 5 };
    expect(restoreAfterRelease(abandoned, current)).toEqual({ ...abandoned, version: 6 });
  });

  it('revives the session when its user came back during the takeover', () => {
    const current = { ...abandoned, reapedBy: 'next', lastActiveAt: 3000, version: 6 };
    expect(restoreAfterRelease(abandoned, current)).toMatchObject({
      state: 'active',
      lastActiveAt: 3000,
      version: 7,
    });
  });
});

describe('Property: any sequence of events', () => {
  const event = fc.record({
    kind: fc.constantFrom('activity', 'disconnect'),
    at: fc.integer({ min: 0, max: 10_000 }),
  });

  it('never moves lastActiveAt backwards, bumps the version on every change, and keeps disconnects after activity', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (events) => {
        let session: Session | undefined;
        for (const { kind, at } of events) {
          const next =
            kind === 'activity'
              ? applyActivity('u', session, at)
              : applyDisconnect('u', session, at);
          if (next === undefined) continue;
          if (session) {
            expect(next.lastActiveAt).toBeGreaterThanOrEqual(session.lastActiveAt);
            expect(next.version).toBe(session.version + 1);
          }
          if (next.state === 'disconnected') {
            expect(next.lastActiveAt).toBeLessThanOrEqual(next.disconnectedAt ?? -1);
          }
          session = next;
        }
      }),
    );
  });
});
