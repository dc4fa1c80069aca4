import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candidate, FindCandidatesOptions } from '../../../src/sessions/session-store.js';
import { aSession, createTestTable, seedSessions, type TestTable } from '../../helpers/dynamo.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const SECOND = 1000;
let table: TestTable;

async function find(options: Partial<FindCandidatesOptions> = {}): Promise<Candidate[][]> {
  const pages: Candidate[][] = [];
  const search = {
    now: NOW,
    idleTimeoutMs: 300 * SECOND,
    disconnectGraceMs: 90 * SECOND,
    maxAgeMs: 0,
  };
  for await (const page of table.store.findCandidates({ ...search, ...options })) pages.push(page);
  return pages;
}

const reasons = (pages: Candidate[][]) =>
  new Map(pages.flat().map((c) => [c.session.userId, c.reason]));

beforeAll(async () => {
  table = await createTestTable();
  await seedSessions(table, [
    // Disconnected 120 s ago right after its last activity: past the grace.
    aSession(
      { userId: 'left', state: 'disconnected', disconnectedAt: NOW - 120 * SECOND },
      NOW - 121 * SECOND,
    ),
    // Disconnected 10 s ago after 400 s of silence: idle, though within the grace.
    aSession(
      { userId: 'quiet', state: 'disconnected', disconnectedAt: NOW - 10 * SECOND },
      NOW - 400 * SECOND,
    ),
    // Disconnected 10 s ago after 200 s of silence: neither idle nor past the grace.
    aSession(
      { userId: 'waiting', state: 'disconnected', disconnectedAt: NOW - 10 * SECOND },
      NOW - 200 * SECOND,
    ),
    aSession({ userId: 'fresh' }, NOW - 5 * SECOND),
    ...Array.from({ length: 35 }, (_, i) =>
      aSession({ userId: `idle-${i}` }, NOW - 301 * SECOND - i),
    ),
  ]);
});
afterAll(async () => {
  await table.drop();
});

describe('Method: findCandidates', () => {
  it('finds a disconnected session by the grace or by the idle rule, whichever comes first', async () => {
    const found = reasons(await find());
    expect(found.get('left')).toBe('disconnected');
    expect(found.get('quiet')).toBe('idle');
    expect(found.has('waiting')).toBe(false);
    expect(found.has('fresh')).toBe(false);
  });

  it('applies per-run thresholds: a shorter idle timeout and a zero grace', async () => {
    const found = reasons(await find({ idleTimeoutMs: 4 * SECOND, disconnectGraceMs: 0 }));
    expect(found.get('waiting')).toBe('disconnected');
    expect(found.get('fresh')).toBe('idle');
  });

  it('yields pages no larger than pageSize, each due session exactly once', async () => {
    const pages = await find({ pageSize: 10 });
    expect(pages.every((page) => page.length > 0 && page.length <= 10)).toBe(true);
    const ids = pages.flat().map((c) => c.session.userId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id.startsWith('idle-'))).toHaveLength(35);
  });
});
