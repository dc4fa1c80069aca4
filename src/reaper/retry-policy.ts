/**
 * When a session whose DestroySession failed is tried again, across runs.
 * Pure: no clock, no I/O.
 *
 * A retryable failure never ends a session's reaping by itself: the session
 * stays due, with full-jitter backoff, until it is destroyed, its user comes
 * back, or `giveUpAfterMs` has passed since its first failure in this life.
 * The ceiling of the jitter doubles with the time already spent failing
 * (between 1 s and `maxDelayMs`), so a blip costs seconds and an hour-long
 * outage is retried every `maxDelayMs` or sooner, never hammered.
 */

/** The retry settings (RETRY_MAX_DELAY_SECONDS, GIVE_UP_AFTER_SECONDS, in ms). */
export interface RetryPolicy {
  /** Longest wait before the next attempt. */
  maxDelayMs: number;
  /** Time after the first failure when a still failing session is `failed`; 0 = never. */
  giveUpAfterMs: number;
}

export const DEFAULT_RETRY_MAX_DELAY_MS = 900_000;
export const DEFAULT_GIVE_UP_AFTER_MS = 86_400_000;
/** Smallest ceiling of the wait after a retryable failure. */
export const RETRY_FLOOR_MS = 1000;
/** Ceiling of the wait after `FailedOperation.SlowDown` (a request for the UserId in progress). */
export const BUSY_RETRY_MS = 1000;

export type RetryDecision = { giveUp: true } | { giveUp: false; nextAttemptAt: number };

/** Gives up, or says when to try again, after a failure at `at`. */
export function retryDecision(
  policy: RetryPolicy,
  failure: { at: number; firstFailedAt: number; busy: boolean; random: () => number },
): RetryDecision {
  const failingFor = Math.max(0, failure.at - failure.firstFailedAt);
  if (policy.giveUpAfterMs > 0 && failingFor >= policy.giveUpAfterMs) return { giveUp: true };
  const ceiling = failure.busy ? BUSY_RETRY_MS : Math.max(RETRY_FLOOR_MS, 2 * failingFor);
  const capped = Math.min(policy.maxDelayMs, ceiling);
  return { giveUp: false, nextAttemptAt: failure.at + Math.floor(failure.random() * capped) };
}
