import { describe, expect, it } from 'vitest';
import { BUSY_RETRY_MS, retryDecision } from '../../../src/reaper/retry-policy.js';

const policy = { maxDelayMs: 900_000, giveUpAfterMs: 86_400_000 };
const at = 1_000_000_000;

describe('Function: retryDecision', () => {
  it('draws the wait uniformly under twice the time spent failing, at least 1 s', () => {
    const top = () => 0.999_999;
    expect(retryDecision(policy, { at, firstFailedAt: at, busy: false, random: top })).toEqual({
      giveUp: false,
      nextAttemptAt: at + 999,
    });
    const tenMinutes = retryDecision(policy, {
      at,
      firstFailedAt: at - 60_000,
      busy: false,
      random: () => 0.5,
    });
    expect(tenMinutes).toEqual({ giveUp: false, nextAttemptAt: at + 60_000 });
  });

  it('never waits longer than maxDelayMs', () => {
    const decision = retryDecision(
      { ...policy, maxDelayMs: 2000 },
      { at, firstFailedAt: at - 3_600_000, busy: false, random: () => 0.999_999 },
    );
    expect(decision).toEqual({ giveUp: false, nextAttemptAt: at + 1999 });
  });

  it('tries a busy user again within BUSY_RETRY_MS', () => {
    const decision = retryDecision(policy, {
      at,
      firstFailedAt: at - 3_600_000,
      busy: true,
      random: () => 0.999_999,
    });
    expect(decision).toEqual({ giveUp: false, nextAttemptAt: at + BUSY_RETRY_MS - 1 });
  });

  it('gives up once giveUpAfterMs has passed since the first failure, never when it is 0', () => {
    const failure = { at, firstFailedAt: at - 86_400_000, busy: false, random: () => 0 };
    expect(retryDecision(policy, failure)).toEqual({ giveUp: true });
    expect(retryDecision(policy, { ...failure, firstFailedAt: at - 86_399_999 }).giveUp).toBe(
      false,
    );
    expect(retryDecision({ ...policy, giveUpAfterMs: 0 }, failure).giveUp).toBe(false);
  });
});
