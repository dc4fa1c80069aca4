import type { Clock } from '../clock.js';
import type { Outcome } from '../sessions/session-store.js';
import type { DurationFigures, ReapProgress, ReapSummary } from './types.js';

/** How often onProgress may fire, in ms. */
export const PROGRESS_INTERVAL_MS = 100;

/** The counters of one run, and the throttled progress callback. */
export class RunStats {
  candidates = 0;
  claimed = 0;
  destroyed = 0;
  retried = 0;
  failed = 0;
  throttled = 0;
  skipped = 0;
  released = 0;
  unrecorded = 0;
  calls = 0;
  alreadyGone = 0;
  terminalFailures = 0;
  returned = 0;
  lateChecks = 0;
  failedChecks = 0;
  oldestRetryAgeMs = 0;
  /** Last check to send, per call, in ms. */
  readonly checkToSend: number[] = [];
  /** Call times within the last second, oldest first (for currentRps). */
  private recentCalls: number[] = [];
  private lastProgressAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly onProgress?: (progress: ReapProgress) => void,
  ) {}

  /** Adds a session's outcome to the counters. */
  count(outcome: Outcome): void {
    switch (outcome.kind) {
      case 'destroyed':
        this.destroyed++;
        if (outcome.alreadyGone) this.alreadyGone++;
        break;
      case 'retry':
        this.retried++;
        this.oldestRetryAgeMs = Math.max(
          this.oldestRetryAgeMs,
          outcome.at - (outcome.firstFailedAt ?? outcome.at),
        );
        break;
      case 'failed':
        this.failed++;
        break;
      case 'released':
        this.released++;
        break;
    }
  }

  onCall(): void {
    this.calls++;
    const now = this.clock();
    this.recentCalls.push(now);
    this.trim(now);
  }

  private trim(now: number): void {
    while (this.recentCalls.length > 0 && (this.recentCalls[0] as number) <= now - 1000) {
      this.recentCalls.shift();
    }
  }

  /** Percentiles of the last-check-to-send times. */
  checkToSendFigures(): DurationFigures {
    return durationFigures(this.checkToSend);
  }

  /** Sessions finished one way or another. */
  get processed(): number {
    return this.destroyed + this.failed + this.retried + this.skipped + this.released;
  }

  /** The run's summary from its counters and what only the run knows. */
  summary(
    durationMs: number,
    run: Pick<ReapSummary, 'trigger' | 'breakerOpened' | 'dryRun' | 'concurrency'>,
  ): ReapSummary {
    return {
      trigger: run.trigger,
      candidates: this.candidates,
      claimed: this.claimed,
      destroyed: this.destroyed,
      alreadyGone: this.alreadyGone,
      retried: this.retried,
      failed: this.failed,
      terminalFailures: this.terminalFailures,
      oldestRetryAgeMs: this.oldestRetryAgeMs,
      throttled: this.throttled,
      skipped: this.skipped,
      returned: this.returned,
      claimToSendMs: this.checkToSendFigures(),
      lateChecks: this.lateChecks,
      failedChecks: this.failedChecks,
      breakerOpened: run.breakerOpened,
      dryRun: run.dryRun,
      durationMs,
      achievedRps: durationMs > 0 ? Math.round((this.calls * 100_000) / durationMs) / 100 : 0,
      calls: this.calls,
      released: this.released,
      unrecorded: this.unrecorded,
      concurrency: run.concurrency,
    };
  }

  /** Reports progress, at most once per {@link PROGRESS_INTERVAL_MS} unless `force`. */
  progress(force = false): void {
    if (!this.onProgress) return;
    const now = this.clock();
    if (!force && now - this.lastProgressAt < PROGRESS_INTERVAL_MS) return;
    this.lastProgressAt = now;
    this.trim(now);
    try {
      this.onProgress({
        candidates: this.candidates,
        processed: this.processed,
        destroyed: this.destroyed,
        failed: this.failed,
        retried: this.retried,
        throttled: this.throttled,
        skipped: this.skipped,
        currentRps: this.recentCalls.length,
      });
    } catch {
      // A broken progress display must not break the run.
    }
  }
}

/** Count, median, 99th percentile (nearest rank) and maximum of durations in ms. */
export function durationFigures(samples: readonly number[]): DurationFigures {
  if (samples.length === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  const round = (ms: number | undefined) => Math.round((ms ?? 0) * 10) / 10;
  return {
    count: sorted.length,
    p50: round(rank(0.5)),
    p99: round(rank(0.99)),
    max: round(sorted[sorted.length - 1]),
  };
}
