import type { SessionClasses } from '../policies/session-classes.js';
import { assertNumberAtLeast } from '../validation.js';

/** Configured policies and limits of the engine (all durations in ms). */
export interface ReaperSettings {
  /** A session with no activity for this long is stale (`IDLE_TIMEOUT_SECONDS`). */
  idleTimeoutMs: number;
  /** Time a disconnected user has to come back (`DISCONNECT_GRACE_SECONDS`). */
  disconnectGraceMs: number;
  /** Hard cap on a session's life; 0 turns it off (`MAX_SESSION_AGE_SECONDS`). */
  maxAgeMs: number;
  /**
   * The session classes (`POLICIES_FILE`): each named class is searched with
   * its own thresholds, inheriting the ones above (or a run's overrides of
   * them). @default the default class only
   */
  classes?: SessionClasses;
  /**
   * Activity less than this much newer than the recorded one may have gone
   * unwritten (`ACTIVITY_RESOLUTION_SECONDS`): a session is idle only this
   * long after the idle timeout. @default 0
   */
  activityResolutionMs?: number;
  /** DestroySession quota (`CAR_QUOTA_RPS`); sizes the default limiter and concurrency. */
  quotaRps: number;
  /** Calls in flight (`CAR_CONCURRENCY`). @default Little's law, see defaultConcurrency */
  concurrency?: number;
  /**
   * DestroySession calls one run may spend on one session before it leaves
   * the rest to a later run (the session stays due: see retryMaxDelayMs and
   * giveUpAfterMs), so one bad session cannot hog the quota. @default 5
   */
  maxAttempts?: number;
  /** Cap of the backoff between runs after a retryable failure (`RETRY_MAX_DELAY_SECONDS`). @default 900_000 */
  retryMaxDelayMs?: number;
  /**
   * A session still failing retryably this long after its first failure is
   * recorded `failed`; 0 = never (`GIVE_UP_AFTER_SECONDS`). @default 86_400_000
   */
  giveUpAfterMs?: number;
  /**
   * Fixed lease of every claim. By default a run with a deadline leases until
   * the deadline plus `leaseMarginMs`; one without leases {@link DEFAULT_LEASE_MS}.
   */
  leaseMs?: number;
  /**
   * Time kept between the last call a claim may start and the end of its
   * lease: one call's timeout (CAR_TIMEOUT_MS, 5 s) + the outcome write and
   * its retries (~1 s) + clock skew between hosts judging the lease (a few s).
   * @default 15_000
   */
  leaseMarginMs?: number;
  /** Recorded as `reapedBy`. @default a random id per run */
  claimant?: string;
  /** Candidates per store page. @default 100 */
  pageSize?: number;
  /**
   * Claims and outcome writes in flight. Kept well under the DynamoDB
   * client's socket pool (64): beyond it requests queue for a socket and
   * time out, and 100 claims/s at ~10 ms each need only ~1-2 in flight.
   * @default 16
   */
  storeConcurrency?: number;
  /**
   * `session.warning` this long before a session is due (`WARN_BEFORE_SECONDS`),
   * and no reap sooner than this after its warning; 0 turns warnings off.
   * Per class once policies exist. @default 0
   */
  warnBeforeMs?: number;
  /** Longest wait for event deliveries at the end of a run. @default 10_000 */
  eventsFlushMs?: number;
}

/** Lease of a claim when the run has no deadline: long enough for the in-run retries. */
export const DEFAULT_LEASE_MS = 60_000;
export const DEFAULT_LEASE_MARGIN_MS = 15_000;
export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_STORE_CONCURRENCY = 16;

/** Throws a ValidationError naming the first bad setting. */
export function validateSettings(settings: ReaperSettings): void {
  assertNumberAtLeast(settings.idleTimeoutMs, 'idleTimeoutMs', 1);
  assertNumberAtLeast(settings.disconnectGraceMs, 'disconnectGraceMs', 0);
  assertNumberAtLeast(settings.maxAgeMs, 'maxAgeMs', 0);
  if (settings.activityResolutionMs !== undefined) {
    assertNumberAtLeast(settings.activityResolutionMs, 'activityResolutionMs', 0);
  }
  assertNumberAtLeast(settings.quotaRps, 'quotaRps', 1, { integer: true });
  if (settings.concurrency !== undefined)
    assertNumberAtLeast(settings.concurrency, 'concurrency', 1, { integer: true });
  if (settings.maxAttempts !== undefined)
    assertNumberAtLeast(settings.maxAttempts, 'maxAttempts', 1, { integer: true });
  if (settings.retryMaxDelayMs !== undefined) {
    assertNumberAtLeast(settings.retryMaxDelayMs, 'retryMaxDelayMs', 1);
  }
  if (settings.giveUpAfterMs !== undefined)
    assertNumberAtLeast(settings.giveUpAfterMs, 'giveUpAfterMs', 0);
  if (settings.leaseMs !== undefined) assertNumberAtLeast(settings.leaseMs, 'leaseMs', 1);
  if (settings.leaseMarginMs !== undefined)
    assertNumberAtLeast(settings.leaseMarginMs, 'leaseMarginMs', 0);
  if (settings.pageSize !== undefined)
    assertNumberAtLeast(settings.pageSize, 'pageSize', 1, { integer: true });
  if (settings.warnBeforeMs !== undefined)
    assertNumberAtLeast(settings.warnBeforeMs, 'warnBeforeMs', 0);
  if (settings.eventsFlushMs !== undefined)
    assertNumberAtLeast(settings.eventsFlushMs, 'eventsFlushMs', 0);
  if (settings.storeConcurrency !== undefined) {
    assertNumberAtLeast(settings.storeConcurrency, 'storeConcurrency', 1, { integer: true });
  }
}
