import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DUE_INDEX_STEP_MS } from '../../../src/dynamodb/dynamodb-session-store.js';
import { type Item, sessionToItem } from '../../../src/dynamodb/item-mapping.js';
import type {
  Candidate,
  FindCandidatesOptions,
  Session,
} from '../../../src/sessions/session-store.js';
import {
  aSession,
  createTestTable,
  searchAt,
  seedItems,
  type TestTable,
} from '../../helpers/dynamo.js';

/**
 * "Cost follows the work": a search over 20,000 live sessions and 200 due
 * ones must read fewer than 2 items per due session, counted from what
 * DynamoDB reports (ScannedCount of every Query, items fetched by key).
 *
 * Active sessions are seeded the way heartbeats leave them: the due index
 * holds an activity mark up to one index step older than lastActiveAt. So a
 * session that went quiet less than a step before it is due may be read
 * (and handed out, for its claim to refuse) ahead of time: 100 such sessions
 * are in the table, as many as go quiet in about 1.5 schedule periods when
 * 200 become due each minute.
 */
const NOW = Date.UTC(2026, 0, 1, 12);
const MINUTE = 60_000;
const RESOLUTION = 30_000;
const STEP = DEFAULT_DUE_INDEX_STEP_MS;
const options: FindCandidatesOptions = {
  ...searchAt(NOW),
  activityResolutionMs: RESOLUTION,
  pageSize: 100,
};
/** Idle at or before this: idle timeout (5 min) plus the resolution. */
const IDLE_CUTOFF = NOW - 5 * MINUTE - RESOLUTION;

const LIVE = 20_000;
let table: TestTable;
const due: Session[] = [];
/** Quiet, not yet due, with a mark at or before the idle cut-off: read ahead of time. */
const readEarly = new Set<string>();
let seeded = 0;

/** A session's item with its due-index mark `lag` ms behind lastActiveAt (active sessions only). */
const withMarkLag = (session: Session, lag: number): Item => {
  const item = sessionToItem(session);
  if (session.state === 'active' && session.nextAttemptAt === undefined) {
    item.dueAt = { N: String(session.lastActiveAt - lag) };
  }
  return item;
};
const lagOf = (index: number) => (index * 7919) % STEP;

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
  // Went quiet 1 to 90 s after the idle cut-off: not due yet, some of them marked before it.
  const quiet: Session[] = [];
  for (let index = 0; index < 100; index++) {
    const session = aSession({ userId: `quiet-${index}` }, IDLE_CUTOFF + 1000 + index * 890);
    quiet.push(session);
    if (session.lastActiveAt - lagOf(index) <= IDLE_CUTOFF) readEarly.add(session.userId);
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
  seeded = live.length + quiet.length + due.length;
  const started = Date.now();
  const items = [...live, ...quiet, ...due].map((session, index) =>
    withMarkLag(
      session,
      session.userId.startsWith('quiet-') ? lagOf(index - live.length) : lagOf(index),
    ),
  );
  await seedItems(table, items, { concurrency: 16 });
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

    const foundIds = found.map((c) => c.session.userId).sort();
    expect(foundIds).toEqual([...due.map((s) => s.userId), ...readEarly].sort());
    expect(itemsRead).toBeLessThan(2 * due.length);
    console.info(
      `read cost: ${due.length} due of ${seeded}: ${itemsRead} items read ` +
        `(${readEarly.size} ahead of time), ${after.queries - before.queries} queries, ${capacity} RCU`,
    );
  });

  it('hands out sessions read ahead of time only for their claim to refuse them', async () => {
    expect(readEarly.size).toBeGreaterThan(0);
    const early: Candidate[] = [];
    for await (const page of table.store.findCandidates(options)) {
      early.push(...page.filter((c) => readEarly.has(c.session.userId)));
    }
    expect(early).toHaveLength(readEarly.size);
    for (const { session } of early) {
      const result = await table.store.claim(session, {
        now: NOW,
        leaseMs: MINUTE,
        claimant: 'read-cost',
      });
      expect(result.status, session.userId).toBe('lost');
      expect((await table.store.get(session.userId))?.state).toBe('active');
    }
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
    expect(found).toHaveLength(due.length + readEarly.size + 50);
    // Each age hit costs its index entry plus the item fetched by key.
    expect(itemsRead).toBe(due.length + readEarly.size + 2 * 50);
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
