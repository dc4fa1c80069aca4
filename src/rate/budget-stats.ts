import type { Lane } from './waiter-queue.js';

/** What a budget has done so far (for benches, logs and tests). */
export interface SharedBudgetStats {
  /** Conditional writes on the timeline, failed ones included. */
  writes: number;
  failedWrites: number;
  reserved: number;
  granted: number;
  /** Reserved slots nobody used in time (the process stopped or had no caller waiting). */
  expired: number;
  /** Grants made by the local share while the timeline could not be reached. */
  fallbackGrants: number;
  /** Times the budget fell back to its local share. */
  fallbacks: number;
  /** Batches reserved with a cold start's gap after them. */
  coldGaps: number;
  /** Time callers waited for their slot, per lane: count, mean and max in ms. */
  wait: Record<Lane, { count: number; meanMs: number; maxMs: number }>;
}

type Counters = Omit<SharedBudgetStats, 'wait'>;

/** The figures of one {@link SharedRateBudget}, kept as it works. */
export class BudgetStats {
  readonly counters: Counters = {
    writes: 0,
    failedWrites: 0,
    reserved: 0,
    granted: 0,
    expired: 0,
    fallbackGrants: 0,
    fallbacks: 0,
    coldGaps: 0,
  };
  private readonly waited: Record<Lane, { count: number; totalMs: number; maxMs: number }> = {
    priority: { count: 0, totalMs: 0, maxMs: 0 },
    bulk: { count: 0, totalMs: 0, maxMs: 0 },
  };

  /** A caller of `lane` got its slot after waiting `waitedMs`. */
  granted(lane: Lane, waitedMs: number): void {
    this.counters.granted++;
    const stats = this.waited[lane];
    stats.count++;
    stats.totalMs += waitedMs;
    stats.maxMs = Math.max(stats.maxMs, waitedMs);
  }

  snapshot(): SharedBudgetStats {
    const wait = (lane: Lane) => {
      const { count, totalMs, maxMs } = this.waited[lane];
      return { count, meanMs: count ? Math.round(totalMs / count) : 0, maxMs };
    };
    return { ...this.counters, wait: { priority: wait('priority'), bulk: wait('bulk') } };
  }
}
