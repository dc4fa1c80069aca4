import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candidate } from '../../../src/sessions/session-store.js';
import {
  aSession,
  createTestTable,
  dueCandidates,
  searchAt,
  seedSessions,
  type TestTable,
} from '../../helpers/dynamo.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const MINUTE = 60_000;
let table: TestTable;

const candidates = (now = NOW): Promise<Map<string, Candidate>> =>
  dueCandidates(table, searchAt(now));

async function candidate(userId: string, now = NOW): Promise<Candidate> {
  const found = (await candidates(now)).get(userId);
  if (!found) throw new Error(`${userId} is not a candidate`);
  return found;
}

beforeAll(async () => {
  table = await createTestTable();
});
afterAll(async () => {
  await table.drop();
});

describe('Method: claim', () => {
  it('claims an idle session: reaping, leased, out of the idle family', async () => {
    await seedSessions(table, [aSession({ userId: 'idle-1' }, NOW - 10 * MINUTE)]);
    const { session } = await candidate('idle-1');
    // Found idle: it carries the cut-off its claim re-checks; the item does not.
    const { idleCutoff, ...read } = session;
    expect(idleCutoff).toBe(NOW - 5 * MINUTE);
    const result = await table.store.claim(session, {
      now: NOW,
      leaseMs: MINUTE,
      claimant: 'run-1',
    });
    expect(result.status).toBe('claimed');
    if (result.status !== 'claimed') return;
    expect(result.claim).toMatchObject({
      userId: 'idle-1',
      claimant: 'run-1',
      version: 2,
      leaseExpiresAt: NOW + MINUTE,
      attempts: 0,
      previous: read,
    });
    expect(await table.store.get('idle-1')).toMatchObject({
      state: 'reaping',
      reapedBy: 'run-1',
      leaseExpiresAt: NOW + MINUTE,
      version: 2,
    });
    expect((await candidates()).has('idle-1')).toBe(false);
  });

  it('loses the race when activity was recorded between find and claim', async () => {
    await seedSessions(table, [aSession({ userId: 'racer' }, NOW - 10 * MINUTE)]);
    const { session } = await candidate('racer');
    await table.store.recordActivity(['racer'], NOW - 1000);
    const result = await table.store.claim(session, {
      now: NOW,
      leaseMs: MINUTE,
      claimant: 'run-1',
    });
    expect(result).toEqual({
      status: 'lost',
      current: expect.objectContaining({ state: 'active', lastActiveAt: NOW - 1000, version: 2 }),
    });
    expect((await table.store.get('racer'))?.state).toBe('active');
  });

  it('loses the race to a heartbeat that moved only lastActiveAt (no new version) since the search', async () => {
    // Idle cut-off NOW - 5 min; the mark sits 30 s before it, the heartbeat lands 30 s after it.
    const cutoff = NOW - 5 * MINUTE;
    await seedSessions(table, [aSession({ userId: 'quiet-racer' }, cutoff - 30_000)]);
    const { session } = await candidate('quiet-racer');
    await table.store.recordActivity(['quiet-racer'], cutoff + 30_000);
    expect(await table.store.get('quiet-racer')).toMatchObject({
      lastActiveAt: cutoff + 30_000,
      version: session.version,
    });
    const result = await table.store.claim(session, {
      now: NOW,
      leaseMs: MINUTE,
      claimant: 'run-1',
    });
    expect(result.status).toBe('lost');
    expect((await table.store.get('quiet-racer'))?.state).toBe('active');
  });

  it('claims a session whose table-only heartbeat is still past the idle cut-off', async () => {
    await seedSessions(table, [aSession({ userId: 'old-beat' }, NOW - 10 * MINUTE)]);
    const { session } = await candidate('old-beat');
    await table.store.recordActivity(['old-beat'], NOW - 10 * MINUTE + 30_000);
    const result = await table.store.claim(session, {
      now: NOW,
      leaseMs: MINUTE,
      claimant: 'run-1',
    });
    expect(result.status).toBe('claimed');
  });

  it('lets only one of two runs claim the same read session', async () => {
    await seedSessions(table, [aSession({ userId: 'contested' }, NOW - 10 * MINUTE)]);
    const { session } = await candidate('contested');
    const results = await Promise.all(
      ['run-a', 'run-b'].map((claimant) =>
        table.store.claim(session, { now: NOW, leaseMs: MINUTE, claimant }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual(['claimed', 'lost']);
  });

  it('lets another run take over once the lease expired, and not before', async () => {
    await seedSessions(table, [
      aSession(
        {
          userId: 'abandoned',
          state: 'reaping',
          reapedBy: 'crashed',
          leaseExpiresAt: NOW + MINUTE,
        },
        NOW - 10 * MINUTE,
      ),
    ]);
    expect((await candidates(NOW)).has('abandoned')).toBe(false);
    const early = await table.store.get('abandoned');
    if (!early) throw new Error('seeded');
    const tooEarly = await table.store.claim(early, {
      now: NOW,
      leaseMs: MINUTE,
      claimant: 'run-2',
    });
    expect(tooEarly.status).toBe('lost');

    const later = NOW + MINUTE + 1;
    const expired = await candidate('abandoned', later);
    expect(expired.reason).toBe('lease-expired');
    const result = await table.store.claim(expired.session, {
      now: later,
      leaseMs: MINUTE,
      claimant: 'run-2',
    });
    expect(result.status).toBe('claimed');
    expect(await table.store.get('abandoned')).toMatchObject({
      reapedBy: 'run-2',
      leaseExpiresAt: later + MINUTE,
    });
  });

  it('refuses a claim on a destroyed session even with a matching version', async () => {
    await seedSessions(table, [
      aSession({ userId: 'done', state: 'destroyed', destroyedAt: NOW }, NOW - 10 * MINUTE),
    ]);
    const done = await table.store.get('done');
    if (!done) throw new Error('seeded');
    const result = await table.store.claim(done, { now: NOW, leaseMs: MINUTE, claimant: 'run-1' });
    expect(result.status).toBe('lost');
  });
});

describe('Method: claimByUserId', () => {
  it('claims a session whatever its state, and an unknown user by creating it', async () => {
    await seedSessions(table, [aSession({ userId: 'busy' }, NOW - 1000)]);
    const busy = await table.store.claimByUserId('busy', {
      now: NOW,
      leaseMs: MINUTE,
      claimant: 'op',
    });
    expect(busy.status).toBe('claimed');
    const unknown = await table.store.claimByUserId('nobody', {
      now: NOW,
      leaseMs: MINUTE,
      claimant: 'op',
    });
    expect(unknown).toMatchObject({ status: 'claimed', claim: { previous: { version: 0 } } });
    expect(await table.store.get('nobody')).toMatchObject({
      state: 'reaping',
      reapedBy: 'op',
      attempts: 0,
    });
  });

  it("does not take another claimant's unexpired lease, but takes an expired one", async () => {
    await table.store.claimByUserId('manual', { now: NOW, leaseMs: MINUTE, claimant: 'run-1' });
    const blocked = await table.store.claimByUserId('manual', {
      now: NOW + 1000,
      leaseMs: MINUTE,
      claimant: 'op',
    });
    expect(blocked).toMatchObject({ status: 'lost', current: { reapedBy: 'run-1' } });
    const taken = await table.store.claimByUserId('manual', {
      now: NOW + MINUTE + 1,
      leaseMs: MINUTE,
      claimant: 'op',
    });
    expect(taken.status).toBe('claimed');
  });
});
