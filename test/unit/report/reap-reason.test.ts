import { describe, expect, it } from 'vitest';
import { type DuePolicy, reapCauseOf } from '../../../src/report/reap-reason.js';
import type { Session } from '../../../src/sessions/session-store.js';

const policy: DuePolicy = { idleTimeoutMs: 300_000, disconnectGraceMs: 90_000, maxAgeMs: 0 };
const session = (overrides: Partial<Session> = {}): Session => ({
  userId: 'u',
  state: 'active',
  lastActiveAt: 1_000_000,
  startedAt: 0,
  attempts: 0,
  version: 1,
  ...overrides,
});

describe('Function: reapCauseOf', () => {
  it('takes the rule that found the candidate, due when that rule made it due', () => {
    expect(
      reapCauseOf({
        session: session(),
        candidateReason: 'idle',
        trigger: 'schedule',
        policy,
        at: 2e6,
      }),
    ).toEqual({ reason: 'idle', dueAt: 1_300_000 });
    expect(
      reapCauseOf({
        session: session({ state: 'disconnected', disconnectedAt: 1_100_000 }),
        candidateReason: 'disconnected',
        trigger: 'schedule',
        policy,
        at: 2e6,
      }),
    ).toEqual({ reason: 'disconnected', dueAt: 1_190_000 });
    expect(
      reapCauseOf({
        session: session({ startedAt: 100 }),
        candidateReason: 'max-age',
        trigger: 'schedule',
        policy: { ...policy, maxAgeMs: 500_000 },
        at: 2e6,
      }),
    ).toEqual({ reason: 'maxAge', dueAt: 500_100 });
  });

  it('finds the rule that came due first for a retry or a taken-over claim', () => {
    const disconnected = session({ state: 'disconnected', disconnectedAt: 1_050_000 });
    for (const candidateReason of ['retry', 'lease-expired'] as const) {
      expect(
        reapCauseOf({
          session: disconnected,
          candidateReason,
          trigger: 'schedule',
          policy,
          at: 2e6,
        }),
      ).toEqual({ reason: 'disconnected', dueAt: 1_140_000 });
    }
    // Too old before it was idle.
    expect(
      reapCauseOf({
        session: session({ startedAt: 0 }),
        candidateReason: 'retry',
        trigger: 'schedule',
        policy: { ...policy, maxAgeMs: 600_000 },
        at: 2e6,
      }),
    ).toEqual({ reason: 'maxAge', dueAt: 600_000 });
  });

  it('counts a retry of a session no rule made due as manual', () => {
    expect(
      reapCauseOf({
        session: session(),
        candidateReason: 'retry',
        trigger: 'schedule',
        policy,
        at: 1_000_500,
      }),
    ).toEqual({ reason: 'manual' });
  });

  it('counts named destroys as manual with no due time, and the disconnect webhook as disconnected', () => {
    expect(reapCauseOf({ session: session(), trigger: 'manual', policy, at: 2e6 })).toEqual({
      reason: 'manual',
    });
    expect(
      reapCauseOf({
        session: session({ state: 'disconnected', disconnectedAt: 1_200_000 }),
        trigger: 'webhook',
        policy,
        at: 2e6,
      }),
    ).toEqual({ reason: 'disconnected', dueAt: 1_200_000 });
  });
});
