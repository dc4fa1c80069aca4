import { describe, expect, it } from 'vitest';
import {
  cutoffsOf,
  dueQueries,
  passesFilter,
  reasonFor,
} from '../../../src/sessions/candidate-queries.js';
import type { Session } from '../../../src/sessions/session-store.js';

const options = { now: 1_000_000, idleTimeoutMs: 300_000, disconnectGraceMs: 90_000, maxAgeMs: 0 };

describe('Function: dueQueries', () => {
  it('asks each family for times up to its cut-off, expired leases strictly', () => {
    expect(dueQueries(cutoffsOf(options))).toEqual([
      { family: 'L', operator: '<', value: 1_000_000 },
      { family: 'R', operator: '<=', value: 1_000_000 },
      {
        family: 'D',
        operator: '<=',
        value: 910_000,
        filter: { idleCutoff: 700_000, graceCutoff: 910_000 },
      },
      { family: 'A', operator: '<=', value: 700_000 },
    ]);
  });

  it('needs no filter on disconnected sessions when the grace is at least the idle timeout', () => {
    const queries = dueQueries(cutoffsOf({ ...options, disconnectGraceMs: 600_000 }));
    expect(queries.find((query) => query.family === 'D')).toEqual({
      family: 'D',
      operator: '<=',
      value: 700_000,
    });
  });

  it('finds a session idle only once the idle timeout and the activity resolution have passed', () => {
    const cutoffs = cutoffsOf({ ...options, activityResolutionMs: 30_000 });
    expect(cutoffs.idle).toBe(670_000);
    expect(dueQueries(cutoffs).find((query) => query.family === 'A')?.value).toBe(670_000);
  });

  it('keeps a disconnected entry that is idle by its sort key or past its grace, and no other', () => {
    const [, , disconnected] = dueQueries(cutoffsOf(options));
    if (disconnected === undefined) throw new Error('no D query');
    const session = (disconnectedAt: number): Session => ({
      userId: 'u',
      state: 'disconnected',
      lastActiveAt: 0,
      startedAt: 0,
      attempts: 0,
      version: 1,
      disconnectedAt,
    });
    expect(passesFilter(disconnected, 700_000, session(950_000))).toBe(true);
    expect(passesFilter(disconnected, 800_000, session(910_000))).toBe(true);
    expect(passesFilter(disconnected, 800_000, session(950_000))).toBe(false);
  });

  it('turns the age rule on only for a positive max age', () => {
    expect(cutoffsOf(options).age).toBeUndefined();
    expect(cutoffsOf({ ...options, maxAgeMs: 1000 }).age).toBe(999_000);
  });
});

describe('Function: reasonFor', () => {
  const cutoffs = cutoffsOf(options);
  const gone = (disconnectedAt: number): Session => ({
    userId: 'u',
    state: 'disconnected',
    lastActiveAt: 600_000,
    startedAt: 0,
    disconnectedAt,
    attempts: 0,
    version: 1,
  });

  it('says disconnected past the grace, idle when only the idle rule holds', () => {
    expect(reasonFor('D', gone(900_000), cutoffs)).toBe('disconnected');
    expect(reasonFor('D', gone(950_000), cutoffs)).toBe('idle');
    expect(reasonFor('L', gone(0), cutoffs)).toBe('lease-expired');
    expect(reasonFor('R', gone(0), cutoffs)).toBe('retry');
  });
});
