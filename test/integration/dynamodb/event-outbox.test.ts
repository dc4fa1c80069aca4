import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbOutbox } from '../../../src/dynamodb/event-outbox.js';
import { countLiveSessions } from '../../../src/dynamodb/live-sessions.js';
import type { OutboxEntry } from '../../../src/events/outbox.js';
import { makeEvent } from '../../../src/reaper/reaper-events.js';
import { fnv1a, SHARD_COUNT } from '../../../src/sessions/shard.js';
import { createTestTable, dueCandidates, searchAt, type TestTable } from '../../helpers/dynamo.js';

const NOW = Date.now();
const DAY = 24 * 3600 * 1000;
let table: TestTable;
let outbox: DynamoDbOutbox;

const entry = (n: number, keptAt: number): OutboxEntry => ({
  event: makeEvent(
    'session.warning',
    { userId: `u${n}`, class: 'default', reason: 'idle', dueAt: new Date(NOW).toISOString() },
    keptAt,
  ),
  attempts: 1,
  keptAt,
});

beforeAll(async () => {
  table = await createTestTable();
  outbox = new DynamoDbOutbox({
    client: table.client,
    tableName: table.tableName,
    clock: () => NOW,
  });
});
afterAll(() => table.drop());

describe('Class: DynamoDbOutbox', () => {
  it('keeps events per target, loads them oldest first, and forgets the removed and the expired', async () => {
    const kept = Array.from({ length: 40 }, (_, n) => entry(n, NOW - 1000 * (40 - n)));
    const expired = entry(99, NOW - 4 * DAY);
    await outbox.keep('webhook', [...kept, expired]);
    await outbox.keep('eventbridge', [entry(100, NOW)]);

    const loaded = await outbox.load('webhook', 100);
    expect(loaded.map((e) => e.event.id)).toEqual(kept.map((e) => e.event.id));
    expect(loaded[0]).toEqual(kept[0]);

    await outbox.remove(
      'webhook',
      kept.slice(0, 30).map((e) => e.event.id),
    );
    expect((await outbox.load('webhook', 100)).map((e) => e.event.id)).toEqual(
      kept.slice(30).map((e) => e.event.id),
    );
    expect(await outbox.load('eventbridge', 100)).toHaveLength(1);
  });

  it('loads the oldest events first when one shard holds far more than its share', async () => {
    // 40 events whose ids all fall in shard 3 of the outbox's 16.
    const ids: string[] = [];
    for (let n = 0; ids.length < 40; n++) {
      if (fnv1a(`evt_crowded-${n}`) % SHARD_COUNT === 3) ids.push(`evt_crowded-${n}`);
    }
    const crowded = ids.map((id, n) => {
      const e = entry(300 + n, NOW - 100_000 + 1000 * n);
      return { ...e, event: { ...e.event, id } };
    });
    // Kept newest first, so the order read is the index's, not the writes'.
    await outbox.keep('crowded', [...crowded].reverse());
    const all = (await outbox.load('crowded', 100)).map((e) => e.event.id);
    expect(all).toEqual(ids);
    const oldest = (await outbox.load('crowded', 16)).map((e) => e.event.id);
    expect(oldest).toEqual(ids.slice(0, 16));
  });

  it('keeping an event again replaces it (attempts carried across runs)', async () => {
    const first = entry(200, NOW - 500);
    await outbox.keep('retry', [first]);
    await outbox.keep('retry', [{ ...first, attempts: 4 }]);
    expect(await outbox.load('retry', 10)).toEqual([{ ...first, attempts: 4 }]);
  });

  it('is invisible to session counts, live sessions and the reap search', async () => {
    expect(Object.values(await table.store.counts()).every((n) => n === 0)).toBe(true);
    expect((await countLiveSessions(table.client, table.tableName)).counts).toMatchObject({
      tracked: 0,
    });
    expect((await dueCandidates(table, searchAt(NOW + 365 * DAY))).size).toBe(0);
  });
});
