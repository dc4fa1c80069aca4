import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardOf } from '../../../src/sessions/shard.js';
import { createTestTable, rawItem, type TestTable } from '../../helpers/dynamo.js';

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
let table: TestTable;

beforeAll(async () => {
  table = await createTestTable();
});
afterAll(async () => {
  await table.drop();
});

describe('Method: recordActivity with a class', () => {
  it('puts new and existing sessions in the class, and keeps it when activity names none', async () => {
    await table.store.recordActivity(['k-new'], T0, { class: 'kiosk' });
    await table.store.recordActivity(['k-old'], T0);
    await table.store.recordActivity(['k-old'], T0 + 1000, { class: 'kiosk' });
    await table.store.recordActivity(['k-new', 'k-old'], T0 + 2000);
    for (const userId of ['k-new', 'k-old']) {
      expect(await table.store.get(userId)).toMatchObject({
        class: 'kiosk',
        lastActiveAt: T0 + 2000,
      });
    }
  });

  it("keeps a session in its class's index partitions through activity and a disconnect", async () => {
    const shard = shardOf('keyed');
    await table.store.recordActivity(['keyed'], T0, { class: 'kiosk' });
    await table.store.recordActivity(['keyed'], T0 + 1000);
    expect(await rawItem(table, 'keyed')).toMatchObject({
      dueShard: { S: `A#kiosk#${shard}` },
      ageShard: { S: `G#kiosk#${shard}` },
      // Within the index step the activity mark stays; lastActiveAt moves alone.
      dueAt: { N: String(T0) },
      lastActiveAt: { N: String(T0 + 1000) },
    });
    await table.store.recordDisconnect('keyed', T0 + 2000);
    expect((await rawItem(table, 'keyed')).dueShard).toEqual({ S: `D#kiosk#${shard}` });
    await table.store.recordActivity(['keyed'], T0 + 3000, { class: 'default' });
    expect((await rawItem(table, 'keyed')).dueShard).toEqual({ S: `A#${shard}` });
  });

  it('moves a session to another class, and `default` takes it out of any', async () => {
    await table.store.recordActivity(['mover'], T0, { class: 'kiosk' });
    await table.store.recordActivity(['mover'], T0 + 1000, { class: 'gpu' });
    expect((await table.store.get('mover'))?.class).toBe('gpu');
    await table.store.recordActivity(['mover'], T0 + 2000, { class: 'default' });
    expect((await table.store.get('mover'))?.class).toBeUndefined();
  });

  it('applies a class even with a late timestamp (without moving lastActiveAt back)', async () => {
    await table.store.recordActivity(['late'], T0 + 5000);
    await table.store.recordActivity(['late'], T0, { class: 'kiosk' });
    expect(await table.store.get('late')).toMatchObject({
      class: 'kiosk',
      lastActiveAt: T0 + 5000,
    });
  });

  it('keeps the class of a disconnected session that comes back', async () => {
    await table.store.recordActivity(['dc'], T0, { class: 'kiosk' });
    await table.store.recordDisconnect('dc', T0 + 1000);
    await table.store.recordActivity(['dc'], T0 + 2000);
    expect(await table.store.get('dc')).toMatchObject({ state: 'active', class: 'kiosk' });
  });

  it('refuses a malformed class name, naming the field', async () => {
    await expect(table.store.recordActivity(['x'], T0, { class: 'a#b' })).rejects.toThrow(
      /^class: must be 1-64 of/,
    );
  });
});

describe('Methods: setExemption, listExemptions, removeExemption', () => {
  it('records the exemption on the item and bumps its version (a claim on an older read fails)', async () => {
    await table.store.recordActivity(['ex-1'], T0);
    const before = await table.store.get('ex-1');
    if (!before) throw new Error('no session');
    const result = await table.store.setExemption(['ex-1'], {
      until: T0 + HOUR,
      reason: 'trade fair',
      by: 'local:ops@desk',
      at: T0 + 10,
    });
    expect(result).toEqual({ missing: [] });
    const after = await table.store.get('ex-1');
    expect(after).toMatchObject({
      exemptUntil: T0 + HOUR,
      exemptReason: 'trade fair',
      exemptBy: 'local:ops@desk',
      exemptSetAt: T0 + 10,
      version: before.version + 1,
    });
    const claim = await table.store.claim(before, {
      now: T0 + 20,
      leaseMs: 60_000,
      claimant: 'run-1',
    });
    expect(claim.status).toBe('lost');
  });

  it('writes nothing for a user id with no session, and says which', async () => {
    const result = await table.store.setExemption(['ghost', 'ex-1'], {
      until: T0 + HOUR,
      reason: 'x',
      by: 'me',
      at: T0,
    });
    expect(result).toEqual({ missing: ['ghost'] });
    expect(await table.store.get('ghost')).toBeUndefined();
  });

  it('keeps the exemption and the class through a new life of the user id', async () => {
    await table.store.recordActivity(['life'], T0, { class: 'kiosk' });
    const claim = await table.store.claimByUserId('life', {
      now: T0 + 100,
      leaseMs: 60_000,
      claimant: 'manual',
    });
    if (claim.status !== 'claimed') throw new Error('not claimed');
    await table.store.recordOutcome(claim.claim, { kind: 'destroyed', at: T0 + 200 });
    // Exempting an ended session: it holds for the user id's next life.
    await table.store.setExemption(['life'], { until: T0 + HOUR, reason: 'r', by: 'me', at: T0 });
    await table.store.recordActivity(['life'], T0 + 300);
    expect(await table.store.get('life')).toMatchObject({
      state: 'active',
      startedAt: T0 + 300,
      class: 'kiosk',
      exemptUntil: T0 + HOUR,
    });
  });

  it('refuses a claim, by search or by name, before the exemption ends', async () => {
    const session = await table.store.get('ex-1');
    if (!session) throw new Error('no session');
    const options = { now: T0 + HOUR - 1, leaseMs: 60_000, claimant: 'run-2' };
    expect((await table.store.claim(session, options)).status).toBe('lost');
    expect((await table.store.claimByUserId('ex-1', options)).status).toBe('lost');
    const after = await table.store.claimByUserId('ex-1', { ...options, now: T0 + HOUR });
    expect(after.status).toBe('claimed');
    if (after.status === 'claimed') {
      await table.store.recordOutcome(after.claim, { kind: 'released', at: T0 + HOUR });
    }
  });

  it('lists exemptions soonest end first, and removes them', async () => {
    await table.store.recordActivity(['ex-2'], T0, { class: 'kiosk' });
    await table.store.setExemption(['ex-2'], {
      until: T0 + 60_000,
      reason: 'soon',
      by: 'b',
      at: T0,
    });
    const listed = await table.store.listExemptions();
    expect(listed.map((e) => e.userId)).toEqual(['ex-2', 'ex-1', 'life']);
    expect(listed[0]).toEqual({
      userId: 'ex-2',
      state: 'active',
      class: 'kiosk',
      until: T0 + 60_000,
      reason: 'soon',
      by: 'b',
      setAt: T0,
    });
    expect(await table.store.removeExemption(['ex-2', 'never'])).toEqual({ removed: ['ex-2'] });
    const session = await table.store.get('ex-2');
    expect(session?.exemptUntil).toBeUndefined();
    expect(session?.exemptReason).toBeUndefined();
    expect((await table.store.listExemptions()).map((e) => e.userId)).toEqual(['ex-1', 'life']);
  });
});
