import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaimLostError } from '../../../src/errors.js';
import type { Claim, Session } from '../../../src/sessions/session-store.js';
import { shardOf } from '../../../src/sessions/shard.js';
import {
  createTestTable,
  dueReasons,
  rawItem,
  searchAt,
  seedAndClaim,
  type TestTable,
} from '../../helpers/dynamo.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const MINUTE = 60_000;
const LEASE = MINUTE;
/** When the dead run's lease has ended. */
const LATER = NOW + LEASE + 1000;
let table: TestTable;

const dueAt = (now: number) => dueReasons(table, searchAt(now));

const itemOf = (userId: string) => rawItem(table, userId);

/** Seeds an idle session and claims it for a run that then dies (never records an outcome). */
const claimedByDeadRun = (userId: string, overrides: Partial<Session> = {}): Promise<Claim> =>
  seedAndClaim(table, { userId, ...overrides }, NOW - 10 * MINUTE, {
    now: NOW,
    leaseMs: LEASE,
    claimant: 'dead',
  });

/** The next run: finds the expired claim in the L family and claims it. */
async function nextRunClaims(userId: string) {
  const session = await table.store.get(userId);
  if (!session) throw new Error(`${userId} is gone`);
  return table.store.claim(session, { now: LATER, leaseMs: LEASE, claimant: 'next' });
}

beforeAll(async () => {
  table = await createTestTable();
});
afterAll(async () => {
  await table.drop();
});

describe('Method: claim (takeover of an expired claim)', () => {
  it('records when the session was claimed', async () => {
    await claimedByDeadRun('stamped');
    expect(await table.store.get('stamped')).toMatchObject({ state: 'reaping', claimedAt: NOW });
  });

  it('takes an expired claim over when no activity was recorded since it', async () => {
    await claimedByDeadRun('ghost');
    expect((await dueAt(LATER)).get('ghost')).toBe('lease-expired');
    const result = await nextRunClaims('ghost');
    expect(result).toMatchObject({ status: 'claimed', claim: { claimant: 'next' } });
    expect(await table.store.get('ghost')).toMatchObject({
      state: 'reaping',
      reapedBy: 'next',
      claimedAt: LATER,
      leaseExpiresAt: LATER + LEASE,
    });
  });

  it('revives, and does not take over, a session whose user is back since the dead claim', async () => {
    await claimedByDeadRun('back', { nextAttemptAt: NOW - 1, attempts: 2, lastError: 'x' });
    await table.store.recordActivity(['back'], NOW + 500);
    expect((await dueAt(LATER)).get('back')).toBe('lease-expired');

    const result = await nextRunClaims('back');

    expect(result).toEqual({
      status: 'lost',
      current: expect.objectContaining({ state: 'active', lastActiveAt: NOW + 500 }),
    });
    const revived = await table.store.get('back');
    expect(revived).toMatchObject({ state: 'active', lastActiveAt: NOW + 500, attempts: 0 });
    expect(revived).not.toHaveProperty('leaseExpiresAt');
    expect(revived).not.toHaveProperty('claimedAt');
    expect(revived).not.toHaveProperty('nextAttemptAt');
    const item = await itemOf('back');
    expect(item.dueShard).toEqual({ S: `A#${shardOf('back')}` });
    expect(item.dueAt).toEqual({ N: String(NOW + 500) });
    expect(item.claimVersion).toBeUndefined();
    // Out of the L family: not due until it is idle again, then due as idle.
    expect((await dueAt(LATER)).has('back')).toBe(false);
    expect((await dueAt(NOW + 500 + 5 * MINUTE)).get('back')).toBe('idle');
  });

  it('revives it when the activity comes between the next run reading it and claiming it', async () => {
    await claimedByDeadRun('between');
    const read = await table.store.get('between');
    if (!read) throw new Error('claimed');
    await table.store.recordActivity(['between'], LATER - 1);
    const result = await table.store.claim(read, { now: LATER, leaseMs: LEASE, claimant: 'next' });
    expect(result).toMatchObject({ status: 'lost', current: { state: 'active' } });
    expect((await table.store.get('between'))?.state).toBe('active');
  });

  it('keeps a disconnected session disconnected when the activity predates the disconnect', async () => {
    const disconnectedAt = NOW - 5 * MINUTE;
    await claimedByDeadRun('late-beat', { state: 'disconnected', disconnectedAt });
    // A heartbeat from before the disconnect, delivered late: the user is not back.
    await table.store.recordActivity(['late-beat'], disconnectedAt - 1000);
    const result = await nextRunClaims('late-beat');
    expect(result).toMatchObject({ status: 'lost', current: { state: 'disconnected' } });
    expect((await dueAt(LATER)).get('late-beat')).toBe('disconnected');
  });

  it('refuses a late outcome from the dead run, but takes its late release as done', async () => {
    const destroyer = await claimedByDeadRun('late-destroy');
    const releaser = await claimedByDeadRun('late-release');
    await table.store.recordActivity(['late-destroy', 'late-release'], NOW + 500);
    await nextRunClaims('late-destroy');
    await nextRunClaims('late-release');
    await expect(
      table.store.recordOutcome(destroyer, { kind: 'destroyed', at: LATER }),
    ).rejects.toBeInstanceOf(ClaimLostError);
    await table.store.recordOutcome(releaser, { kind: 'released', at: LATER });
    expect((await table.store.get('late-destroy'))?.state).toBe('active');
    expect((await table.store.get('late-release'))?.state).toBe('active');
  });

  it('puts a released takeover back as the expired claim, or revives it if the user came back', async () => {
    await claimedByDeadRun('quiet');
    await claimedByDeadRun('woken');
    const quiet = await nextRunClaims('quiet');
    const woken = await nextRunClaims('woken');
    if (quiet.status !== 'claimed' || woken.status !== 'claimed') throw new Error('takeover');
    await table.store.recordActivity(['woken'], LATER + 10);
    await table.store.recordOutcome(quiet.claim, { kind: 'released', at: LATER + 20 });
    await table.store.recordOutcome(woken.claim, { kind: 'released', at: LATER + 20 });

    expect(await table.store.get('quiet')).toMatchObject({ state: 'reaping', reapedBy: 'dead' });
    expect((await dueAt(LATER + 30)).get('quiet')).toBe('lease-expired');
    expect(await table.store.get('woken')).toMatchObject({
      state: 'active',
      lastActiveAt: LATER + 10,
    });
    // Activity after the release still protects the put-back claim from the next takeover.
    await table.store.recordActivity(['quiet'], LATER + 40);
    const again = await nextRunClaimsAt('quiet', LATER + 50);
    expect(again).toMatchObject({ status: 'lost', current: { state: 'active' } });
  });
});

async function nextRunClaimsAt(userId: string, now: number) {
  const session = await table.store.get(userId);
  if (!session) throw new Error(`${userId} is gone`);
  return table.store.claim(session, { now, leaseMs: LEASE, claimant: 'after' });
}
