import { assertNumberAtLeast } from './validation.js';

/**
 * Exponential backoff with "full jitter": the delay before retry n is drawn
 * uniformly from [0, min(cap, base * 2^n)). Spreading retries over the whole
 * interval (rather than base * 2^n +/- a little) is what keeps many callers
 * that failed together from retrying together; see the AWS Architecture Blog,
 * "Exponential Backoff And Jitter" (2015), and `defaultDelayDecider` in
 * @smithy/middleware-retry, which draws `random() * 2^attempts * base` the same way.
 * Pure: no clock, no timers; `random` is injectable for tests.
 */

export interface BackoffOptions {
  /** Delay scale of the first retry, in ms. @default 100 */
  baseMs?: number;
  /** Largest delay ever returned, in ms. @default 10_000 */
  capMs?: number;
  /** Uniform source in [0, 1). @default Math.random */
  random?: () => number;
}

/** Base delay after a transient failure (the AWS SDKs use 100 ms). */
export const RETRY_BASE_MS = 100;
/** Base delay after a throttle (the AWS SDKs use 500 ms): the quota needs a moment to drain. */
export const THROTTLE_BASE_MS = 500;

/**
 * Delay in ms before retry number `retry` (0 for the first retry).
 * @throws ValidationError for a negative or non-integer `retry`.
 */
export function fullJitterBackoff(retry: number, options: BackoffOptions = {}): number {
  assertNumberAtLeast(retry, 'retry', 0, { integer: true });
  const { baseMs = RETRY_BASE_MS, capMs = 10_000, random = Math.random } = options;
  // 2 ** retry overflows to Infinity for large retries; min() keeps it at the cap.
  const ceiling = Math.min(capMs, baseMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}
