import { describe, expect, it } from 'vitest';
import type { Session } from '../../../src/sessions/session-store.js';
import { dueAtOf, warnedThisPeriod, warningFor } from '../../../src/sessions/warnings.js';

const session = (overrides: Partial<Session> = {}): Session => ({
  userId: 'u1',
  state: 'active',
  lastActiveAt: 10_000,
  startedAt: 1_000,
  attempts: 0,
  version: 1,
  ...overrides,
});
const policy = { idleTimeoutMs: 30_000, disconnectGraceMs: 5_000, maxAgeMs: 0, warnMs: 8_000 };

describe('Function: dueAtOf', () => {
  it('is the idle timeout after the last activity for an active session', () => {
    expect(dueAtOf(session(), policy)).toEqual({ at: 40_000, reason: 'idle' });
  });

  it('waits out the activity resolution, as the reap search does', () => {
    expect(dueAtOf(session(), { ...policy, activityResolutionMs: 30_000 })).toEqual({
      at: 70_000,
      reason: 'idle',
    });
  });

  it('is the end of the grace period when that comes first for a disconnected session', () => {
    const disconnected = session({ state: 'disconnected', disconnectedAt: 12_000 });
    expect(dueAtOf(disconnected, policy)).toEqual({ at: 17_000, reason: 'disconnected' });
  });

  it('is the max age when that comes first', () => {
    expect(dueAtOf(session(), { ...policy, maxAgeMs: 20_000 })).toEqual({
      at: 21_000,
      reason: 'max-age',
    });
  });

  it('has no due time for a session being reaped, ended, or waiting for a retry', () => {
    expect(dueAtOf(session({ state: 'reaping' }), policy)).toBeUndefined();
    expect(dueAtOf(session({ state: 'destroyed' }), policy)).toBeUndefined();
    expect(dueAtOf(session({ nextAttemptAt: 50_000 }), policy)).toBeUndefined();
  });
});

describe('Function: warnedThisPeriod', () => {
  it('counts a warning at or after the last activity, not one before it', () => {
    expect(warnedThisPeriod(session())).toBe(false);
    expect(warnedThisPeriod(session({ warnedAt: 10_000 }))).toBe(true);
    expect(warnedThisPeriod(session({ warnedAt: 9_999 }))).toBe(false);
  });
});

describe('Function: warningFor', () => {
  it('warns a session due within the warning time, with its due time', () => {
    expect(warningFor(session(), policy, 32_000)).toEqual({ reason: 'idle', dueAt: 40_000 });
    expect(warningFor(session(), policy, 31_999)).toBeUndefined();
  });

  it('never announces a reap sooner than the warning time after the warning', () => {
    // Due since 40 s (the timeout was lowered, runs were missed): reaped no sooner than 58 s.
    expect(warningFor(session(), policy, 50_000)).toEqual({ reason: 'idle', dueAt: 58_000 });
  });

  it('warns once per idle period, not when warnings are off, not while exempt', () => {
    expect(warningFor(session({ warnedAt: 33_000 }), policy, 35_000)).toBeUndefined();
    expect(warningFor(session({ warnedAt: 9_000 }), policy, 35_000)).toBeDefined();
    expect(warningFor(session(), { ...policy, warnMs: 0 }, 35_000)).toBeUndefined();
    expect(warningFor(session({ exemptUntil: 36_000 }), policy, 35_000)).toBeUndefined();
    expect(warningFor(session({ exemptUntil: 35_000 }), policy, 35_000)).toBeDefined();
  });
});
