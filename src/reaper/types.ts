import type { DueReason } from '../sessions/session-store.js';

/** The reaper engine's public contract, shared by the schedule, webhook and manual triggers. */

export type Trigger = 'schedule' | 'webhook' | 'manual';

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

/** Why a run stopped before it ran out of candidates. */
export type StopReason = 'deadline' | 'limit' | 'auth' | 'aborted';

export interface ReapSummary {
  trigger: Trigger;
  /** Due sessions seen (or named ids). */
  candidates: number;
  claimed: number;
  destroyed: number;
  /** Retryable failures recorded for a later run. */
  retried: number;
  /** Sessions given up on (`failed`). */
  failed: number;
  /** RequestLimitExceeded answers received. */
  throttled: number;
  /** Lost races: activity or another claimant since the read. */
  skipped: number;
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
}

export interface Reaper {
  reap(options: ReapOptions): Promise<ReapSummary>;
}
