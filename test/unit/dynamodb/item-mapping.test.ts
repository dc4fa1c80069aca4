import { describe, expect, it } from 'vitest';
import {
  claimExtrasOf,
  derivedAttributes,
  itemToSession,
  sessionToItem,
} from '../../../src/dynamodb/item-mapping.js';
import type { Session } from '../../../src/sessions/session-store.js';
import { shardOf } from '../../../src/sessions/shard.js';

const session: Session = {
  userId: 'user-1',
  state: 'active',
  lastActiveAt: 5000,
  startedAt: 1000,
  attempts: 0,
  version: 2,
};
const shard = shardOf('user-1');

describe('Function: derivedAttributes', () => {
  it.each([
    ['active', {}, { dueShard: `A#${shard}`, dueAt: 5000, ageShard: `G#${shard}` }],
    [
      'disconnected',
      { disconnectedAt: 6000 },
      { dueShard: `D#${shard}`, dueAt: 5000, ageShard: `G#${shard}` },
    ],
    ['active', { nextAttemptAt: 9000 }, { dueShard: `R#${shard}`, dueAt: 9000 }],
    ['reaping', { leaseExpiresAt: 7000 }, { dueShard: `L#${shard}`, dueAt: 7000 }],
  ] as const)('puts a %s session %j in its family of the due index', (state, extra, expected) => {
    expect(derivedAttributes({ ...session, state, ...extra })).toEqual(expected);
  });

  it('takes ended sessions out of both indexes and gives them a TTL in epoch seconds', () => {
    expect(derivedAttributes({ ...session, state: 'destroyed', destroyedAt: 10_000 })).toEqual({
      expiresAt: Math.ceil((10_000 + 7 * 86_400_000) / 1000),
    });
    expect(derivedAttributes({ ...session, state: 'failed' }, { failedAt: 20_000 })).toEqual({
      expiresAt: Math.ceil((20_000 + 30 * 86_400_000) / 1000),
    });
  });
});

describe('Function: sessionToItem / itemToSession', () => {
  it('round-trips every field of a session', () => {
    const full: Session = {
      ...session,
      state: 'disconnected',
      disconnectedAt: 6000,
      nextAttemptAt: 8000,
      attempts: 2,
      lastError: 'InternalError',
      requestId: 'req',
      destroyedAt: 7000,
      reapedBy: 'run',
      leaseExpiresAt: 9000,
      claimedAt: 8500,
    };
    expect(itemToSession(sessionToItem(full))).toEqual(full);
  });

  it('writes the store-only claim attributes, and claimExtrasOf reads them back', () => {
    const reaping: Session = { ...session, state: 'reaping', leaseExpiresAt: 9000 };
    const item = sessionToItem(reaping, { claimToken: 'tok', claimVersion: 2 });
    expect(item.claimVersion).toEqual({ N: '2' });
    expect(claimExtrasOf(item)).toEqual({ claimToken: 'tok', claimVersion: 2 });
    expect(claimExtrasOf(sessionToItem(reaping))).toEqual({});
  });

  it('refuses an item without a known state', () => {
    expect(() => itemToSession({ userId: { S: 'x' }, state: { S: 'zombie' } })).toThrow(
      /bad state/,
    );
  });
});
