import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  Candidate,
  ClassThresholds,
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
 * "Cost follows the work" with three classes: each is judged by its own
 * thresholds, and a search still reads fewer than 2 items per due session.
 * The default class idles out after 5 minutes, `kiosk` after an hour and
 * `gpu` after 2 minutes, so most live kiosk sessions are idle by the default
 * rule: a search that judged every class alike would read (and reap) them.
 */
const NOW = Date.UTC(2026, 0, 1, 12);
const SECOND = 1000;
const MINUTE = 60_000;
const classes: Record<string, ClassThresholds> = {
  kiosk: { idleTimeoutMs: 60 * MINUTE, disconnectGraceMs: 5 * MINUTE, maxAgeMs: 0 },
  gpu: { idleTimeoutMs: 2 * MINUTE, disconnectGraceMs: 30 * SECOND, maxAgeMs: 0 },
};
const options: FindCandidatesOptions = { ...searchAt(NOW), classes, pageSize: 100 };

/** Live sessions per class: active within the class's idle timeout, or disconnected within its grace. */
const LIVE_PER_CLASS = 4000;
let table: TestTable;
const due: Session[] = [];
const exempt: Session[] = [];
let seeded = 0;

const inClass = (sessionClass: string | undefined) =>
  sessionClass === undefined ? {} : { class: sessionClass };

beforeAll(async () => {
  table = await createTestTable();
  const sessions: Session[] = [];
  const live: [string | undefined, number, number][] = [
    // class, longest idle of a live active session, grace of a live disconnected one
    [undefined, 4 * MINUTE, 60 * SECOND],
    ['kiosk', 50 * MINUTE, 4 * MINUTE],
    ['gpu', 100 * SECOND, 20 * SECOND],
  ];
  for (const [sessionClass, idle, grace] of live) {
    const name = sessionClass ?? 'default';
    for (let index = 0; index < LIVE_PER_CLASS; index++) {
      const userId = `live-${name}-${index}`;
      sessions.push(
        index % 10 === 0
          ? aSession({
              userId,
              ...inClass(sessionClass),
              state: 'disconnected',
              lastActiveAt: NOW - grace - SECOND,
              disconnectedAt: NOW - grace,
              startedAt: NOW - 2 * 3_600_000,
            })
          : aSession({
              userId,
              ...inClass(sessionClass),
              lastActiveAt: NOW - ((index * 7919) % idle),
              startedAt: NOW - 2 * 3_600_000,
            }),
      );
    }
  }
  // Due per class: idle past its timeout, or disconnected past its grace.
  const dueAfter: [string | undefined, number, number][] = [
    [undefined, 6 * MINUTE, 2 * MINUTE],
    ['kiosk', 61 * MINUTE, 6 * MINUTE],
    ['gpu', 3 * MINUTE, 40 * SECOND],
  ];
  for (const [sessionClass, idle, grace] of dueAfter) {
    const name = sessionClass ?? 'default';
    for (let index = 0; index < 100; index++) {
      const userId = `due-${name}-${index}`;
      due.push(
        index % 2 === 0
          ? aSession({ userId, ...inClass(sessionClass) }, NOW - idle - index * SECOND)
          : aSession(
              {
                userId,
                ...inClass(sessionClass),
                state: 'disconnected',
                disconnectedAt: NOW - grace,
              },
              NOW - grace - SECOND,
            ),
      );
    }
  }
  // Retries and expired leases are due at their own time, whatever the class.
  for (let index = 0; index < 20; index++) {
    due.push(
      aSession(
        {
          userId: `retry-kiosk-${index}`,
          class: 'kiosk',
          nextAttemptAt: NOW - SECOND,
          attempts: 1,
        },
        NOW - 70 * MINUTE,
      ),
    );
  }
  // Idle by their class, but exempt for another hour: read, counted, not handed out.
  for (let index = 0; index < 10; index++) {
    exempt.push(
      aSession(
        { userId: `exempt-${index}`, exemptUntil: NOW + 60 * MINUTE, exemptReason: 'fair' },
        NOW - 10 * MINUTE,
      ),
    );
  }
  // Their exemption ended: judged by their class as usual.
  for (let index = 0; index < 10; index++) {
    due.push(
      aSession(
        { userId: `ended-${index}`, class: 'gpu', exemptUntil: NOW - SECOND, exemptReason: 'x' },
        NOW - 5 * MINUTE,
      ),
    );
  }
  seeded = sessions.length + due.length + exempt.length;
  await seedSessions(table, [...sessions, ...due, ...exempt], { concurrency: 16 });
}, 120_000);

afterAll(async () => {
  await table.drop();
});

describe('Method: findCandidates (read cost, three classes)', () => {
  it('reads fewer than 2 items per due session, each class by its own thresholds', async () => {
    const before = { ...table.store.readStats };
    const found: Candidate[] = [];
    const held: string[] = [];
    const search = {
      ...options,
      onExempt: (candidate: Candidate) => held.push(candidate.session.userId),
    };
    for await (const page of table.store.findCandidates(search)) found.push(...page);
    const after = table.store.readStats;
    const itemsRead =
      after.scannedCount - before.scannedCount + (after.itemsFetched - before.itemsFetched);

    expect(found.map((c) => c.session.userId).sort()).toEqual(due.map((s) => s.userId).sort());
    expect(held.sort()).toEqual(exempt.map((s) => s.userId).sort());
    expect(itemsRead).toBeLessThan(2 * due.length);
    console.info(
      `read cost, 3 classes: ${due.length} due and ${exempt.length} exempt of ${seeded}: ` +
        `${itemsRead} items read, ${after.queries - before.queries} queries`,
    );
  });

  it('gives each due session its class and reason', async () => {
    const found = new Map<string, Candidate>();
    for await (const page of table.store.findCandidates(options)) {
      for (const candidate of page) found.set(candidate.session.userId, candidate);
    }
    expect(found.get('due-kiosk-0')).toMatchObject({ reason: 'idle', session: { class: 'kiosk' } });
    expect(found.get('due-kiosk-1')?.reason).toBe('disconnected');
    expect(found.get('due-gpu-1')).toMatchObject({
      reason: 'disconnected',
      session: { class: 'gpu' },
    });
    expect(found.get('due-default-0')?.session.class).toBeUndefined();
    expect(found.get('retry-kiosk-0')?.reason).toBe('retry');
  });

  it('without the classes, searches the default class only', async () => {
    const found: string[] = [];
    for await (const page of table.store.findCandidates({ ...searchAt(NOW), pageSize: 100 })) {
      found.push(...page.map((c) => c.session.userId));
    }
    expect(found.some((id) => id.startsWith('live-kiosk'))).toBe(false);
    expect(found.filter((id) => id.startsWith('due-default'))).toHaveLength(100);
    expect(found.some((id) => id.startsWith('due-kiosk-0'))).toBe(false);
  });
});
