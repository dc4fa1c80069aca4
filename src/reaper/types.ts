import type { DueReason } from '../sessions/session-store.js';

/** The reaper engine's public contract, shared by the schedule, webhook and manual triggers. */

/** What started a run: the schedule, a webhook, or an operator (manual invoke, CLI). */
export const TRIGGERS = ['schedule', 'webhook', 'manual'] as const;
export type Trigger = (typeof TRIGGERS)[number];

export interface ReapOptions {
  trigger: Trigger;
  /** Epoch ms after which no new work is claimed (the Lambda's remaining time less a margin). */
  deadline?: number;
  /** Claims and destroys nothing; the summary lists the user ids it would destroy. */
  dryRun?: boolean;
  /** Per-run overrides of the configured policies, in milliseconds. */
  idleTimeoutMs?: number;
  disconnectGraceMs?: number;
  /** 0 turns the age cap off. */
  maxAgeMs?: number;
  /** Most destroys in this run: a brake against mass-destroying live users. */
  limit?: number;
  /** Destroy exactly these sessions (manual), through the same limiter and recording. */
  userIds?: readonly string[];
  /**
   * With `userIds`: claim only sessions still `disconnected` (the webhook's
   * immediate destroy: a heartbeat recorded since the disconnect keeps the
   * session), recorded with the reason `disconnected`.
   */
  onlyDisconnected?: boolean;
  /** Called as work progresses (CLI progress bar, live view). */
  onProgress?: (progress: ReapProgress) => void;
  /** Aborting stops claiming new work; in-flight calls finish and are recorded. */
  signal?: AbortSignal;
}

export interface ReapProgress {
  candidates: number;
  processed: number;
  destroyed: number;
  failed: number;
  retried: number;
  throttled: number;
  skipped: number;
  /** DestroySession calls per second over the last second. */
  currentRps: number;
}

/**
 * Why a run stopped before it ran out of candidates. `outage`: CAR kept
 * failing and the circuit breaker's probes failed too; nothing is lost, the
 * sessions stay due for later runs.
 */
export type StopReason = 'deadline' | 'limit' | 'auth' | 'aborted' | 'outage';

/** Percentiles of a duration over a run, in ms. */
export interface DurationFigures {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface ReapSummary {
  trigger: Trigger;
  /** Due sessions seen (or named ids). */
  candidates: number;
  claimed: number;
  /** Sessions recorded `destroyed`, those CAR said were already gone included. */
  destroyed: number;
  /** Of `destroyed`: CAR answered that the session was already gone or ending. */
  alreadyGone: number;
  /** Retryable failures recorded for a later run (sessions left with a retry pending). */
  retried: number;
  /** Sessions given up on (`failed`). */
  failed: number;
  /** Of `failed`: answers saying the request itself is wrong (no retry can help). */
  terminalFailures: number;
  /**
   * Of the sessions left with a retry pending: the longest time since the
   * first failure of one of them, in ms (0 when none).
   */
  oldestRetryAgeMs: number;
  /** RequestLimitExceeded answers received. */
  throttled: number;
  /** Lost races: activity or another claimant since the read (or since the claim). */
  skipped: number;
  /** Of `skipped`: activity recorded between the claim and the send, caught by the last check. */
  returned: number;
  /**
   * From the last check of a claim (the conditional write before the call)
   * to the DestroySession going out: the window in which a user's return
   * cannot stop the call.
   */
  claimToSendMs: DurationFigures;
  /** Last checks repeated because the first took too long to send on. */
  lateChecks: number;
  /** Last checks the store failed to make: those calls were not sent (released or retried later). */
  failedChecks: number;
  /** Times the circuit breaker opened in this run. */
  breakerOpened: number;
  dryRun: boolean;
  durationMs: number;
  /** DestroySession calls per second over the run. */
  achievedRps: number;
  /** Set when the run stopped early. */
  stoppedAt?: StopReason;
  /** Dry run: the user ids it would destroy. */
  wouldDestroy?: string[];
  /** Dry run: each session it would destroy, with its class and why it is due. */
  wouldDestroySessions?: { userId: string; class: string; reason: DueReason }[];
  /** Sessions found due but exempt (`exemptUntil` still ahead): left alone. */
  skippedExempt?: number;
  /** Set when an auth failure stopped the run (message has no secrets). */
  error?: { code: string; message: string };
  /** DestroySession calls made, retries included. */
  calls?: number;
  /** Claims put back untouched because the run stopped before their call. */
  released?: number;
  /**
   * Outcomes the store would not take even after retries: each is logged at
   * error level; the session's lease expires and a later run picks it up.
   */
  unrecorded?: number;
  /** Calls allowed in flight (CAR_CONCURRENCY or the computed default). */
  concurrency?: number;
  /** `session.warning` events sent by this run (WARN_BEFORE_SECONDS). */
  warned?: number;
  /** Due sessions left for a later run because their warning is too recent (or was just sent). */
  awaitingWarning?: number;
  /** What became of the run's outbound events (set when any sink is configured). */
  events?: { delivered: number; kept: number; dropped: number };
}

export interface Reaper {
  reap(options: ReapOptions): Promise<ReapSummary>;
}
