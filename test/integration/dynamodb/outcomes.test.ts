import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaimLostError } from '../../../src/errors.js';
import type { Claim, Session } from '../../../src/sessions/session-store.js';
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
const DAY = 24 * 3_600_000;
let table: TestTable;

const dueIds = (now = NOW) => dueReasons(table, searchAt(now));

const itemOf = (userId: string) => rawItem(table, userId);

/** Seeds an idle session and claims it as a reap run would. */
const claimedIdle = (userId: string, overrides: Partial<Session> = {}): Promise<Claim> =>
  seedAndClaim(table, { userId, ...overrides }, NOW - 10 * MINUTE, {
    now: NOW,
    leaseMs: MINUTE,
    claimant: 'run-1',
  });

beforeAll(async () => {
  table = await createTestTable();
});
afterAll(async () => {
  await table.drop();
});

describe('Method: recordOutcome', () => {
  it('destroyed: records the request, leaves the index, sets a 7-day TTL in epoch seconds', async () => {
    const claim = await claimedIdle('d-1');
    await table.store.recordOutcome(claim, {
      kind: 'destroyed',
      at: NOW + 500,
      requestId: 'req-1',
    });
    expect(await table.store.get('d-1')).toMatchObject({
      state: 'destroyed',
      destroyedAt: NOW + 500,
      requestId: 'req-1',
      reapedBy: 'run-1',
      attempts: 1,
    });
    const item = await itemOf('d-1');
    expect(item.expiresAt?.N).toBe(String(Math.ceil((NOW + 500 + 7 * DAY) / 1000)));
    expect(item.dueShard).toBeUndefined();
    expect(item.ageShard).toBeUndefined();
    expect((await dueIds(NOW + DAY)).has('d-1')).toBe(false);
  });

  it('retry: back in the index as due at nextAttemptAt, attempts counted, error kept', async () => {
    const claim = await claimedIdle('r-1');
    await table.store.recordOutcome(claim, {
      kind: 'retry',
      at: NOW,
      error: 'InternalError: try later',
      nextAttemptAt: NOW + 30_000,
    });
    expect(await table.store.get('r-1')).toMatchObject({
      state: 'active',
      attempts: 1,
      lastError: 'InternalError: try later',
      nextAttemptAt: NOW + 30_000,
    });
    expect((await dueIds(NOW + 29_999)).has('r-1')).toBe(false);
    expect((await dueIds(NOW + 30_000)).get('r-1')).toBe('retry');
  });

  it('failed: keeps the error, leaves the index, sets a 30-day TTL', async () => {
    const claim = await claimedIdle('f-1', { attempts: 4 });
    await table.store.recordOutcome(claim, { kind: 'failed', at: NOW, error: 'AuthFailure' });
    expect(await table.store.get('f-1')).toMatchObject({
      state: 'failed',
      lastError: 'AuthFailure',
      attempts: 5,
    });
    const item = await itemOf('f-1');
    expect(item.expiresAt?.N).toBe(String(Math.ceil((NOW + 30 * DAY) / 1000)));
    expect(item.dueShard).toBeUndefined();
    expect((await dueIds(NOW + DAY)).has('f-1')).toBe(false);
  });

  it('records the attempts the engine counted under one claim, when it says', async () => {
    const claim = await claimedIdle('counted', { attempts: 1 });
    await table.store.recordOutcome(claim, {
      kind: 'failed',
      at: NOW,
      error: 'InternalError',
      attempts: 4,
    });
    expect(await table.store.get('counted')).toMatchObject({ state: 'failed', attempts: 4 });
  });

  it('released: puts the session back exactly as it was, due again', async () => {
    const claim = await claimedIdle('rel-1');
    await table.store.recordOutcome(claim, { kind: 'released', at: NOW });
    expect(await table.store.get('rel-1')).toEqual({
      ...claim.previous,
      version: claim.version + 1,
    });
    expect((await dueIds()).get('rel-1')).toBe('idle');
  });

  it('released after activity while reaping: the user is active, not due', async () => {
    const claim = await claimedIdle('rel-2');
    await table.store.recordActivity(['rel-2'], NOW + 100);
    expect(await table.store.get('rel-2')).toMatchObject({
      state: 'reaping',
      lastActiveAt: NOW + 100,
    });
    await table.store.recordOutcome(claim, { kind: 'released', at: NOW + 200 });
    expect(await table.store.get('rel-2')).toMatchObject({
      state: 'active',
      lastActiveAt: NOW + 100,
    });
    expect((await dueIds(NOW + 200)).has('rel-2')).toBe(false);
  });

  it('released for a session the claim created: the item goes away', async () => {
    const result = await table.store.claimByUserId('ghost', {
      now: NOW,
      leaseMs: MINUTE,
      claimant: 'op',
    });
    if (result.status !== 'claimed') throw new Error('claim lost');
    await table.store.recordOutcome(result.claim, { kind: 'released', at: NOW });
    expect(await table.store.get('ghost')).toBeUndefined();
  });

  it('records destroyed despite activity while reaping; the next activity starts a new session', async () => {
    const claim = await claimedIdle('busy');
    await table.store.recordActivity(['busy'], NOW + 100);
    await table.store.recordOutcome(claim, { kind: 'destroyed', at: NOW + 200 });
    expect((await table.store.get('busy'))?.state).toBe('destroyed');
    await table.store.recordActivity(['busy'], NOW + 300);
    expect(await table.store.get('busy')).toMatchObject({
      state: 'active',
      startedAt: NOW + 300,
      attempts: 0,
    });
    expect((await itemOf('busy')).expiresAt).toBeUndefined();
  });

  it('throws ClaimLostError once another run has taken over the expired lease', async () => {
    const claim = await claimedIdle('taken');
    const later = NOW + MINUTE + 1;
    const current = await table.store.get('taken');
    if (!current) throw new Error('seeded');
    const takeover = await table.store.claim(current, {
      now: later,
      leaseMs: MINUTE,
      claimant: 'run-2',
    });
    expect(takeover.status).toBe('claimed');
    const error = await table.store
      .recordOutcome(claim, { kind: 'destroyed', at: later })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClaimLostError);
    expect(error).toMatchObject({
      userId: 'taken',
      current: { reapedBy: 'run-2', state: 'reaping' },
    });
  });

  it('accepts the same outcome twice for one claim (a retried write) but no other', async () => {
    const claim = await claimedIdle('twice');
    await table.store.recordOutcome(claim, { kind: 'destroyed', at: NOW });
    await expect(
      table.store.recordOutcome(claim, { kind: 'destroyed', at: NOW }),
    ).resolves.toBeUndefined();
    await expect(
      table.store.recordOutcome(claim, { kind: 'failed', at: NOW, error: 'x' }),
    ).rejects.toBeInstanceOf(ClaimLostError);
  });
});
