import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  Candidate,
  FindCandidatesOptions,
  Session,
} from '../../../src/sessions/session-store.js';
import {
  aSession,
  createTestTable,
  searchAt,
  seedSessions,
  type TestTable,
} from '../../helpers/dynamo.js';

/**
 * "Cost follows the work": a search over 20,000 live sessions and 200 due
 * ones must read fewer than 2 items per due session, counted from what
 * DynamoDB reports (ScannedCount of every Query, items fetched by key).
 */
const NOW = Date.UTC(2026, 0, 1, 12);
const MINUTE = 60_000;
const options: FindCandidatesOptions = { ...searchAt(NOW), pageSize: 100 };

const LIVE = 20_000;
let table: TestTable;
const due: Session[] = [];
let seeded = 0;

beforeAll(async () => {
  table = await createTestTable();
  const live: Session[] = [];
  for (let index = 0; index < LIVE; index++) {
    const userId = `live-${index}`;
    // Live: active within the idle timeout, or disconnected within the grace period.
    live.push(
      index % 10 === 0
        ? aSession({
            userId,
            state: 'disconnected',
            lastActiveAt: NOW - 30_000,
            disconnectedAt: NOW - 20_000,
            startedAt: NOW - 3_600_000,
          })
        : aSession({
            userId,
            lastActiveAt: NOW - (index % 240) * 1000,
            startedAt: NOW - 3_600_000,
          }),
    );
  }
  // Not due either: a retry later, a lease still held.
  live.push(
    aSession(
      { userId: 'retry-later', nextAttemptAt: NOW + MINUTE, attempts: 1 },
      NOW - 10 * MINUTE,
    ),
  );
  live.push(
    aSession(
      { userId: 'held', state: 'reaping', reapedBy: 'run-x', leaseExpiresAt: NOW + MINUTE },
      NOW - 10 * MINUTE,
    ),
  );
  // Live but old: due only when a max age of 2 hours is set.
  for (let index = 0; index < 50; index++) {
    live.push(
      aSession({
        userId: `old-${index}`,
        lastActiveAt: NOW - 1000,
        startedAt: NOW - 3 * 3_600_000,
      }),
    );
  }
  for (let index = 0; index < 200; index++) {
    const userId = `due-${index}`;
    const kind = index % 4;
    due.push(
      kind === 0
        ? aSession({ userId }, NOW - 6 * MINUTE - index * 1000)
        : kind === 1
          ? aSession(
              { userId, state: 'disconnected', disconnectedAt: NOW - 2 * MINUTE },
              NOW - 2 * MINUTE - 1000,
            )
          : kind === 2
            ? aSession(
                { userId, nextAttemptAt: NOW - 1000, attempts: 1, lastError: 'InternalError' },
                NOW - 8 * MINUTE,
              )
            : aSession(
                { userId, state: 'reaping', reapedBy: 'crashed', leaseExpiresAt: NOW - 1000 },
                NOW - 9 * MINUTE,
              ),
    );
  }
  seeded = live.length + due.length;
  const started = Date.now();
  await seedSessions(table, [...live, ...due], { concurrency: 16 });
  console.info(`seeded ${seeded} sessions in ${Date.now() - started} ms`);
}, 120_000);

afterAll(async () => {
  await table.drop();
});

describe('Method: findCandidates (read cost)', () => {
  it('reads fewer than 2 items per due session among 20,000 live ones', async () => {
    const before = { ...table.store.readStats };
    const found: Candidate[] = [];
    for await (const page of table.store.findCandidates(options)) {
      expect(page.length).toBeLessThanOrEqual(100);
      found.push(...page);
    }
    const after = table.store.readStats;
    const itemsRead =
      after.scannedCount - before.scannedCount + (after.itemsFetched - before.itemsFetched);
    const capacity = after.consumedCapacity - before.consumedCapacity;

    expect(found.map((c) => c.session.userId).sort()).toEqual(due.map((s) => s.userId).sort());
    expect(itemsRead).toBeLessThan(2 * due.length);
    console.info(
      `read cost: ${due.length} due of ${seeded}: ${itemsRead} items read, ` +
        `${after.queries - before.queries} queries, ${capacity} RCU`,
    );
  });

  it('with a max age set, reads the age index and fetches only its hits', async () => {
    const before = { ...table.store.readStats };
    const found: Candidate[] = [];
    for await (const page of table.store.findCandidates({ ...options, maxAgeMs: 2 * 3_600_000 })) {
      found.push(...page);
    }
    const after = table.store.readStats;
    const itemsRead =
      after.scannedCount - before.scannedCount + (after.itemsFetched - before.itemsFetched);
    const old = found.filter((c) => c.reason === 'max-age').map((c) => c.session.userId);
    expect(old.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `old-${i}`).sort());
    expect(found).toHaveLength(due.length + 50);
    // Each age hit costs its index entry plus the item fetched by key.
    expect(itemsRead).toBe(due.length + 2 * 50);
    console.info(`read cost with max age: ${found.length} due: ${itemsRead} items read`);
  });

  it('gives each due session its reason', async () => {
    const reasons = new Map<string, string>();
    for await (const page of table.store.findCandidates(options)) {
      for (const candidate of page) reasons.set(candidate.session.userId, candidate.reason);
    }
    expect(reasons.get('due-0')).toBe('idle');
    expect(reasons.get('due-1')).toBe('disconnected');
    expect(reasons.get('due-2')).toBe('retry');
    expect(reasons.get('due-3')).toBe('lease-expired');
  });
});
