import type { Clock, Sleep } from '../clock.js';
import { ValidationError } from '../errors.js';
import type { Logger } from '../logger.js';
import { assertNumberAbove, assertNumberAtLeast } from '../validation.js';
import type { AdaptiveRateOptions } from './adaptive-rate.js';
import { safeRate } from './slot-math.js';

/** Options of {@link SharedRateBudget}. Times in ms. */
export interface SharedRateBudgetOptions {
  /** DestroySession calls allowed per server window, all processes together (`CAR_QUOTA_RPS`). */
  quota: number;
  /** The server's window. @default 1000 */
  windowMs?: number;
  /**
   * Variation of send-to-arrival delay between calls and hosts (network,
   * event-loop delay between grant and socket, clock skew of NTP-synced
   * hosts). With `lateToleranceMs` it costs 4% of the quota (96.2/s at 100).
   * @default 20
   */
  jitterMarginMs?: number;
  /**
   * A slot may be used this long after its time; a later one expires unused.
   * Long enough for a busy host's late timers (bench/RESULTS.md, "Shared
   * quota"), so expired slots stay rare. @default 20
   */
  lateToleranceMs?: number;
  /**
   * Callers a bulk reservation waits to gather (for at most `gatherMs`), so
   * one write serves many calls: 10 keeps budget writes <= 0.1 per destroy
   * (a destroy itself costs a claim and an outcome write). @default 10
   */
  batchMin?: number;
  /**
   * Longest a bulk caller waits for others to gather before its slot is
   * reserved anyway. Under a backlog callers are already waiting and this
   * never applies; it matters when callers trickle in slower than the rate
   * (a slow store, a small CAR_CONCURRENCY). Priority callers never wait
   * for it. @default 100
   */
  gatherMs?: number;
  /** Most slots per write. @default max(batchMin, a tenth of a second at the safe rate) */
  batchMax?: number;
  /**
   * The bulk lane (a sweep of the table) reserves only while the timeline's
   * tail is at most this far ahead of now. Room for ~9 processes' batches
   * of 0.1 s; it bounds how long a priority caller in another process waits
   * behind a backlog. @default 1000
   */
  bulkLookaheadMs?: number;
  /** The priority lane (webhook and named destroys) may reserve this far ahead. @default 3000 */
  priorityLookaheadMs?: number;
  /**
   * A process's first calls, and its first after `coldAfterMs` without one,
   * leave late: code not yet compiled, new connections (a TLS handshake),
   * and they bunch with the calls after them. Such a cold batch is followed
   * by this much empty time on the timeline (at most one slot per call of
   * the batch, so a lone webhook destroy costs one slot), which the late
   * calls move into instead of crowding the next process's slots (the
   * lateness measured is in bench/RESULTS.md, "Shared quota"). @default 100
   */
  coldStartGapMs?: number;
  /** Time without a call after which a process counts as cold again. @default 10000 */
  coldAfterMs?: number;
  /** Reserve the next batch when the last held slot is this close (no gap between batches). @default 50 */
  prefetchLeadMs?: number;
  /**
   * Share of the quota this process uses on its own while the timeline item
   * cannot be reached: a safe share when that many processes (or fewer) are
   * cut off together. @default 0.25
   */
  fallbackShare?: number;
  /** First wait before trying the timeline again after a failure; doubles up to 60 s. @default 5000 */
  retrySharedAfterMs?: number;
  /** Local slow-down on RequestLimitExceeded; `false` keeps the rate fixed. @default {} */
  adaptive?: Omit<AdaptiveRateOptions, 'maxRate'> | false;
  /** @default systemClock */
  clock?: Clock;
  /** @default realSleep */
  sleep?: Sleep;
  /** Jitter of contention waits, in [0, 1). @default Math.random */
  random?: () => number;
  /** @default silentLogger */
  logger?: Logger;
}

export const DEFAULT_BUDGET_JITTER_MARGIN_MS = 20;
export const DEFAULT_LATE_TOLERANCE_MS = 20;
export const DEFAULT_BATCH_MIN = 10;
export const DEFAULT_BULK_LOOKAHEAD_MS = 1000;
export const DEFAULT_PRIORITY_LOOKAHEAD_MS = 3000;
export const DEFAULT_FALLBACK_SHARE = 0.25;
export const DEFAULT_COLD_START_GAP_MS = 100;
const MAX_RETRY_SHARED_MS = 60_000;

/** Options with every default filled. */
export type ResolvedBudgetOptions = Required<
  Omit<SharedRateBudgetOptions, 'adaptive' | 'clock' | 'sleep' | 'random' | 'logger'>
> & { maxRetrySharedMs: number };

/** Fills the defaults; throws a ValidationError naming the first bad option. */
export function resolveBudgetOptions(options: SharedRateBudgetOptions): ResolvedBudgetOptions {
  const { quota } = options;
  assertNumberAtLeast(quota, 'quota', 1, { integer: true });
  const resolved = {
    quota,
    windowMs: options.windowMs ?? 1000,
    jitterMarginMs: options.jitterMarginMs ?? DEFAULT_BUDGET_JITTER_MARGIN_MS,
    lateToleranceMs: options.lateToleranceMs ?? DEFAULT_LATE_TOLERANCE_MS,
    batchMin: options.batchMin ?? DEFAULT_BATCH_MIN,
    batchMax: options.batchMax ?? 0,
    gatherMs: options.gatherMs ?? 100,
    bulkLookaheadMs: options.bulkLookaheadMs ?? DEFAULT_BULK_LOOKAHEAD_MS,
    priorityLookaheadMs: options.priorityLookaheadMs ?? DEFAULT_PRIORITY_LOOKAHEAD_MS,
    prefetchLeadMs: options.prefetchLeadMs ?? 50,
    coldStartGapMs: options.coldStartGapMs ?? DEFAULT_COLD_START_GAP_MS,
    coldAfterMs: options.coldAfterMs ?? 10_000,
    fallbackShare: options.fallbackShare ?? DEFAULT_FALLBACK_SHARE,
    retrySharedAfterMs: options.retrySharedAfterMs ?? 5000,
    maxRetrySharedMs: MAX_RETRY_SHARED_MS,
  };
  assertNumberAbove(resolved.windowMs, 'windowMs', 0);
  assertNumberAtLeast(resolved.jitterMarginMs, 'jitterMarginMs', 0);
  assertNumberAtLeast(resolved.lateToleranceMs, 'lateToleranceMs', 0);
  assertNumberAtLeast(resolved.batchMin, 'batchMin', 1, { integer: true });
  resolved.batchMax =
    options.batchMax ?? Math.max(resolved.batchMin, Math.ceil(safeRate(quota, resolved) / 10));
  assertNumberAtLeast(resolved.batchMax, 'batchMax', resolved.batchMin, { integer: true });
  assertNumberAtLeast(resolved.gatherMs, 'gatherMs', 0);
  assertNumberAtLeast(resolved.bulkLookaheadMs, 'bulkLookaheadMs', 0);
  assertNumberAtLeast(
    resolved.priorityLookaheadMs,
    'priorityLookaheadMs',
    resolved.bulkLookaheadMs,
  );
  assertNumberAtLeast(resolved.prefetchLeadMs, 'prefetchLeadMs', 0);
  assertNumberAtLeast(resolved.coldStartGapMs, 'coldStartGapMs', 0);
  assertNumberAbove(resolved.coldAfterMs, 'coldAfterMs', 0);
  assertNumberAbove(resolved.fallbackShare, 'fallbackShare', 0);
  if (resolved.fallbackShare > 1) {
    throw new ValidationError('fallbackShare', `must be at most 1, got ${resolved.fallbackShare}`);
  }
  assertNumberAbove(resolved.retrySharedAfterMs, 'retrySharedAfterMs', 0);
  return resolved;
}
