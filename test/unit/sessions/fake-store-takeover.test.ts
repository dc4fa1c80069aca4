import { describe, expect, it } from 'vitest';
import { FakeSessionStore } from '../../helpers/fake-store.js';

// The engine's unit tests run on FakeSessionStore: it must refuse the same
// takeovers as the DynamoDB store (test/integration/dynamodb/takeover.test.ts).
const NOW = 1_000_000;
const LEASE = 60_000;
const LATER = NOW + LEASE + 1000;

async function deadClaim(store: FakeSessionStore, userId: string) {
  store.seed({ userId, lastActiveAt: NOW - 600_000 });
  const session = await store.get(userId);
  if (!session) throw new Error('seeded');
  const result = await store.claim(session, { now: NOW, leaseMs: LEASE, claimant: 'dead' });
  if (result.status !== 'claimed') throw new Error('claim');
  return result.claim;
}

async function takeover(store: FakeSessionStore, userId: string) {
  const session = await store.get(userId);
  if (!session) throw new Error('gone');
  return store.claim(session, { now: LATER, leaseMs: LEASE, claimant: 'next' });
}

describe('Class: FakeSessionStore (takeover of an expired claim)', () => {
  it('takes it over when no activity was recorded since the claim', async () => {
    const store = new FakeSessionStore(() => NOW);
    await deadClaim(store, 'ghost');
    expect(await store.get('ghost')).toMatchObject({ claimedAt: NOW });
    expect((await takeover(store, 'ghost')).status).toBe('claimed');
  });

  it('revives the session, claim lost, when its user is back since the claim', async () => {
    const store = new FakeSessionStore(() => NOW);
    await deadClaim(store, 'back');
    await store.recordActivity(['back'], NOW + 500);
    expect(await takeover(store, 'back')).toMatchObject({
      status: 'lost',
      current: { state: 'active', lastActiveAt: NOW + 500 },
    });
    expect(store.state('back')).toBe('active');
    expect(await store.get('back')).not.toHaveProperty('leaseExpiresAt');
  });
});
