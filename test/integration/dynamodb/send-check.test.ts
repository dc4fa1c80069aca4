import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Claim, ClaimOptions, Session } from '../../../src/sessions/session-store.js';
import {
  aSession,
  createTestTable,
  rawItem,
  seedAndClaim,
  seedSessions,
  type TestTable,
} from '../../helpers/dynamo.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const MINUTE = 60_000;
let table: TestTable;

const claimOptions = (extra: Partial<ClaimOptions> = {}): ClaimOptions => ({
  now: NOW,
  leaseMs: MINUTE,
  claimant: 'run-1',
  ...extra,
});

const claimedIdle = (userId: string, overrides: Partial<Session> = {}): Promise<Claim> =>
  seedAndClaim(table, { userId, ...overrides }, NOW - 10 * MINUTE, claimOptions());

beforeAll(async () => {
  table = await createTestTable();
});
afterAll(async () => {
  await table.drop();
});

describe('Method: markSending', () => {
  it('clears a claim with nothing recorded since, marks it sending, and the outcome records as usual', async () => {
    const claim = await claimedIdle('s-1');
    const check = await table.store.markSending(claim, NOW + 100);
    expect(check.status).toBe('clear');
    if (check.status !== 'clear') return;
    expect(check.claim.version).toBe(claim.version + 1);
    expect(await table.store.get('s-1')).toMatchObject({ state: 'reaping', sendingAt: NOW + 100 });
    await table.store.recordOutcome(check.claim, { kind: 'destroyed', at: NOW + 200 });
    const item = await rawItem(table, 's-1');
    expect(item.state?.S).toBe('destroyed');
    expect(item.sendingAt).toBeUndefined();
  });

  it('finds the user back when activity was recorded since the claim; releasing makes the session live', async () => {
    const claim = await claimedIdle('s-2');
    await table.store.recordActivity(['s-2'], NOW + 50);
    const check = await table.store.markSending(claim, NOW + 100);
    expect(check).toMatchObject({ status: 'returned', current: { lastActiveAt: NOW + 50 } });
    await table.store.recordOutcome(claim, { kind: 'released', at: NOW + 100 });
    expect(await table.store.get('s-2')).toMatchObject({ state: 'active', lastActiveAt: NOW + 50 });
  });

  it('checks again after a first clear check: activity in between is found', async () => {
    const claim = await claimedIdle('s-3');
    const first = await table.store.markSending(claim, NOW + 100);
    if (first.status !== 'clear') throw new Error('first check not clear');
    expect((await table.store.markSending(first.claim, NOW + 150)).status).toBe('clear');
    await table.store.recordActivity(['s-3'], NOW + 160);
    const latest = await table.store.get('s-3');
    const stale = { ...first.claim, version: (latest?.version ?? 0) - 1 };
    expect((await table.store.markSending(stale, NOW + 200)).status).toBe('returned');
  });

  it('is lost for a claim that is no longer held', async () => {
    const claim = await claimedIdle('s-4');
    await table.store.recordOutcome(claim, { kind: 'destroyed', at: NOW + 10 });
    expect((await table.store.markSending(claim, NOW + 20)).status).toBe('lost');
  });

  it('moves claimVersion: a takeover after a crash past the send sees activity recorded after it', async () => {
    const claim = await claimedIdle('s-5');
    await table.store.markSending(claim, NOW + 100);
    await table.store.recordActivity(['s-5'], NOW + 200);
    const current = await table.store.get('s-5');
    const takeover = await table.store.claim(current as Session, {
      ...claimOptions({ claimant: 'run-2' }),
      now: NOW + 2 * MINUTE,
    });
    expect(takeover.status).toBe('lost');
    expect(await table.store.get('s-5')).toMatchObject({ state: 'active' });
  });
});

describe('Item attribute: reason', () => {
  it('records the due reason of the claim, keeps it through a retry, and maps max-age to maxAge', async () => {
    const claim = await seedAndClaim(
      table,
      { userId: 'why-1' },
      NOW - 10 * MINUTE,
      claimOptions({ reason: 'disconnected' }),
    );
    expect(claim.reason).toBe('disconnected');
    await table.store.recordOutcome(claim, {
      kind: 'retry',
      at: NOW + 10,
      error: 'InternalError: x',
      nextAttemptAt: NOW + 1000,
      firstFailedAt: NOW + 10,
    });
    const pending = await table.store.get('why-1');
    expect(pending).toMatchObject({ reason: 'disconnected', firstFailedAt: NOW + 10 });
    const again = await table.store.claim(pending as Session, {
      ...claimOptions({ reason: 'retry' }),
      now: NOW + 2000,
    });
    expect(again).toMatchObject({ status: 'claimed', claim: { reason: 'disconnected' } });
    if (again.status !== 'claimed') return;
    await table.store.recordOutcome(again.claim, {
      kind: 'retry',
      at: NOW + 2010,
      error: 'InternalError: y',
      nextAttemptAt: NOW + 3000,
      firstFailedAt: NOW + 2010,
    });
    // The first failure of this life stays the one recorded first.
    expect(await table.store.get('why-1')).toMatchObject({
      reason: 'disconnected',
      firstFailedAt: NOW + 10,
    });

    const old = await seedAndClaim(
      table,
      { userId: 'why-2' },
      NOW - 10 * MINUTE,
      claimOptions({ reason: 'max-age' }),
    );
    expect(old.reason).toBe('maxAge');
    expect((await rawItem(table, 'why-2')).reason?.S).toBe('maxAge');
  });

  it('records manual for a named destroy and drops the retry state when the user is back', async () => {
    const named = await table.store.claimByUserId('why-3', claimOptions());
    expect(named).toMatchObject({ status: 'claimed', claim: { reason: 'manual' } });
    if (named.status !== 'claimed') return;
    await table.store.recordOutcome(named.claim, {
      kind: 'retry',
      at: NOW + 10,
      error: 'Timeout: x',
      nextAttemptAt: NOW + 1000,
    });
    await table.store.recordActivity(['why-3'], NOW + 20);
    const back = await table.store.get('why-3');
    expect(back).toMatchObject({ state: 'active', attempts: 0 });
    expect(back?.firstFailedAt).toBeUndefined();
    expect(back?.nextAttemptAt).toBeUndefined();
  });

  it('refuses an unknown reason, naming the option', async () => {
    await expect(
      table.store.claimByUserId('why-4', claimOptions({ reason: 'bored' as never })),
    ).rejects.toThrow(/options.reason/);
  });
});

describe('Outcome: destroyed, already gone', () => {
  it('records alreadyGone on the item, and a later destroy of a new life clears it', async () => {
    const claim = await claimedIdle('g-1');
    await table.store.recordOutcome(claim, { kind: 'destroyed', at: NOW + 10, alreadyGone: true });
    expect(await table.store.get('g-1')).toMatchObject({ state: 'destroyed', alreadyGone: true });
    const again = await table.store.claimByUserId('g-1', claimOptions({ now: NOW + 20 }));
    if (again.status !== 'claimed') throw new Error('not claimed');
    await table.store.recordOutcome(again.claim, { kind: 'destroyed', at: NOW + 30 });
    expect((await table.store.get('g-1'))?.alreadyGone).toBeUndefined();
  });
});

describe('Method: claimByUserId with onlyDisconnected', () => {
  it('claims a disconnected session, and not one whose user is back since the disconnect', async () => {
    await seedSessions(table, [
      aSession({ userId: 'w-1', state: 'disconnected', disconnectedAt: NOW - 1000 }, NOW - 2000),
      aSession({ userId: 'w-2' }, NOW - 500),
    ]);
    const options = claimOptions({ onlyDisconnected: true, reason: 'disconnected' });
    expect(await table.store.claimByUserId('w-1', options)).toMatchObject({
      status: 'claimed',
      claim: { reason: 'disconnected' },
    });
    expect((await table.store.claimByUserId('w-2', options)).status).toBe('lost');
    expect((await table.store.claimByUserId('w-absent', options)).status).toBe('lost');
    expect(await table.store.get('w-absent')).toBeUndefined();
  });
});
