import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionToItem } from '../../../src/dynamodb/item-mapping.js';
import type { FindWarnableOptions, Warnable } from '../../../src/sessions/session-store.js';
import {
  aSession,
  createTestTable,
  searchAt,
  seedItems,
  seedSessions,
  type TestTable,
} from '../../helpers/dynamo.js';

const NOW = 10_000_000_000;
const MIN = 60_000;
const WARN = MIN;
let table: TestTable;

beforeAll(async () => {
  table = await createTestTable();
});
afterAll(() => table.drop());

async function warnable(
  now = NOW,
  options: Partial<FindWarnableOptions> = {},
): Promise<Map<string, Warnable>> {
  const found = new Map<string, Warnable>();
  const search = { ...searchAt(now), warnMs: WARN, ...options };
  for await (const page of table.store.findWarnable(search)) {
    for (const w of page) found.set(w.session.userId, w);
  }
  return found;
}

/** An active session whose due-index mark lags its lastActiveAt (activity within the index step). */
const withMark = (userId: string, lastActiveAt: number, mark: number, warnedAt?: number) => {
  const item = sessionToItem(aSession({ userId, warnedAt }, lastActiveAt));
  return { ...item, dueAt: { N: String(mark) } };
};

const ids = (found: Map<string, Warnable>, prefix: string) =>
  [...found.keys()].filter((id) => id.startsWith(prefix)).sort();

describe('Warnings in the store (idle 5 min, grace 90 s, warn 1 min)', () => {
  it('finds only the sessions due within the warning time, reading no others', async () => {
    const prefix = 'window-';
    await seedSessions(table, [
      aSession({ userId: `${prefix}due` }, NOW - 6 * MIN),
      aSession({ userId: `${prefix}soon` }, NOW - 5 * MIN + 30_000),
      aSession({ userId: `${prefix}edge` }, NOW - 4 * MIN),
      aSession({ userId: `${prefix}fresh` }, NOW - 2 * MIN),
      aSession(
        { userId: `${prefix}leaving`, state: 'disconnected', disconnectedAt: NOW - 60_000 },
        NOW - 3 * MIN,
      ),
    ]);
    const before = { ...table.store.readStats };
    const found = await warnable();
    const scanned = table.store.readStats.scannedCount - before.scannedCount;
    const fetched = table.store.readStats.itemsFetched - before.itemsFetched;
    expect(ids(found, prefix)).toEqual([`${prefix}edge`, `${prefix}leaving`, `${prefix}soon`]);
    // Warned now, a session is reaped no sooner than the warning time later.
    expect(found.get(`${prefix}soon`)).toMatchObject({ reason: 'idle', dueAt: NOW + WARN });
    expect(found.get(`${prefix}edge`)).toMatchObject({ reason: 'idle', dueAt: NOW + WARN });
    expect(found.get(`${prefix}leaving`)).toMatchObject({ reason: 'disconnected' });
    // The due session is the reap search's; the fresh one is never read.
    expect(scanned).toBe(3);
    // Only the active ones are read by key (their index key is a mark, not lastActiveAt).
    expect(fetched).toBe(2);
  });

  it('judges an active session by its item, not by its index mark', async () => {
    const prefix = 'mark-';
    await seedItems(table, [
      // Its mark is in the window, but it was active since: not due within the warning time.
      withMark(`${prefix}back`, NOW - 3 * MIN, NOW - 5 * MIN + 10_000),
      // Warned, then active again within the mark's step: a new idle period, warned again.
      withMark(
        `${prefix}answered`,
        NOW - 4 * MIN - 30_000,
        NOW - 5 * MIN + 5_000,
        NOW - 4 * MIN - 40_000,
      ),
      // Warned in this idle period: not again.
      withMark(
        `${prefix}warned`,
        NOW - 4 * MIN - 30_000,
        NOW - 5 * MIN + 5_000,
        NOW - 4 * MIN - 20_000,
      ),
    ]);
    expect(ids(await warnable(), prefix)).toEqual([`${prefix}answered`]);
  });

  it('allows for the activity resolution, as the reap search does', async () => {
    const prefix = 'resolution-';
    await seedSessions(table, [
      aSession({ userId: `${prefix}soon` }, NOW - 5 * MIN + 10_000),
      aSession({ userId: `${prefix}later` }, NOW - 4 * MIN),
    ]);
    const found = await warnable(NOW, { activityResolutionMs: 30_000 });
    expect(ids(found, prefix)).toEqual([`${prefix}soon`]);
    expect(found.get(`${prefix}soon`)?.dueAt).toBe(NOW + WARN);
  });

  it('warns each class by its own rules, and not a class that does not warn', async () => {
    const prefix = 'class-';
    await seedSessions(table, [
      aSession({ userId: `${prefix}kiosk`, class: 'kiosk' }, NOW - 59 * MIN - 30_000),
      aSession({ userId: `${prefix}quiet`, class: 'quiet' }, NOW - 5 * MIN + 30_000),
      aSession({ userId: `${prefix}kiosk-fresh`, class: 'kiosk' }, NOW - 5 * MIN + 30_000),
    ]);
    const found = await warnable(NOW, {
      classes: {
        kiosk: { idleTimeoutMs: 60 * MIN, disconnectGraceMs: 90_000, maxAgeMs: 0, warnMs: WARN },
        quiet: { idleTimeoutMs: 5 * MIN, disconnectGraceMs: 90_000, maxAgeMs: 0, warnMs: 0 },
      },
    });
    expect(ids(found, prefix)).toEqual([`${prefix}kiosk`]);
  });

  it('finds sessions about to reach the max age through the age index', async () => {
    const prefix = 'age-';
    await seedSessions(table, [
      { ...aSession({ userId: `${prefix}old` }, NOW - 30_000), startedAt: NOW - 60 * MIN + 20_000 },
      { ...aSession({ userId: `${prefix}young` }, NOW - 30_000), startedAt: NOW - 30 * MIN },
    ]);
    const found = await warnable(NOW, { maxAgeMs: 60 * MIN });
    expect(ids(found, prefix)).toEqual([`${prefix}old`]);
    expect(found.get(`${prefix}old`)?.reason).toBe('max-age');
  });

  it('records one warning per idle period, and a claim needs it to be old enough', async () => {
    await seedSessions(table, [aSession({ userId: 'once' }, NOW - 5 * MIN + 10_000)]);
    const read = await table.store.get('once');
    if (!read) throw new Error('not seeded');
    expect(await table.store.markWarned(read, NOW)).toBe(true);
    // A second run that read the same version does not warn again.
    expect(await table.store.markWarned(read, NOW + 1)).toBe(false);
    const warned = await table.store.get('once');
    expect(warned?.warnedAt).toBe(NOW);
    expect((await warnable()).has('once')).toBe(false);

    const claimAt = (now: number) =>
      table.store.claim(warned ?? read, {
        now,
        leaseMs: 60_000,
        claimant: 'test',
        warnedBy: now - WARN,
      });
    expect((await claimAt(NOW + 30_000)).status).toBe('lost');
    expect((await claimAt(NOW + WARN)).status).toBe('claimed');
  });

  it('warns nobody active since the read, even when that activity wrote no new version', async () => {
    await seedSessions(table, [aSession({ userId: 'moved' }, NOW - 5 * MIN + 10_000)]);
    const read = await table.store.get('moved');
    if (!read) throw new Error('not seeded');
    // Within the index step: only lastActiveAt is written.
    await table.store.recordActivity(['moved'], NOW - 5 * MIN + 20_000);
    expect((await table.store.get('moved'))?.version).toBe(read.version);
    expect(await table.store.markWarned(read, NOW)).toBe(false);
  });

  it('warns again after activity: a new idle period, and a claim refuses the old warning', async () => {
    await seedSessions(table, [aSession({ userId: 'again' }, NOW - 5 * MIN + 10_000)]);
    const first = await table.store.get('again');
    if (!first) throw new Error('not seeded');
    expect(await table.store.markWarned(first, NOW)).toBe(true);
    await table.store.recordActivity(['again'], NOW + 1000);
    const warnedBefore = await table.store.get('again');
    if (!warnedBefore) throw new Error('gone');
    const claim = await table.store.claim(warnedBefore, {
      now: NOW + 1000 + 6 * MIN,
      leaseMs: 60_000,
      claimant: 'test',
      warnedBy: NOW + 1000 + 6 * MIN - WARN,
    });
    expect(claim.status).toBe('lost');
    const later = NOW + 1000 + 5 * MIN - 10_000;
    expect((await warnable(later)).has('again')).toBe(true);
    expect(await table.store.markWarned(warnedBefore, later)).toBe(true);
  });
});
