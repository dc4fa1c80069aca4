import { type Clock, realSleep, type Sleep, systemClock } from '../clock.js';
import { type Logger, silentLogger } from '../logger.js';
import { AdaptiveRate } from './adaptive-rate.js';
import {
  type ResolvedBudgetOptions,
  resolveBudgetOptions,
  type SharedRateBudgetOptions,
} from './budget-options.js';
import { type Lane, LaneWaiters } from './lane-waiters.js';
import type { RateBudget } from './rate-budget.js';
import { SlidingWindowLimiter } from './sliding-window-limiter.js';
import { batchSlots, planReservation, safeRate, slotIntervalUs } from './slot-math.js';
import type { SlotStore } from './slot-store.js';

/** How long an event-loop stall keeps this process's slots sparser. */
const STALL_MEMORY_MS = 10_000;
/** The widest a stall makes the spacing margin (the rate stays above 80% of the quota). */
const MAX_STALL_MARGIN_MS = 250;

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

/**
 * A {@link RateBudget} shared by every process through one timeline item
 * (see slot-math.ts for the spacing proof). Each process keeps the slots
 * it reserved and lets one caller go at each slot's time, never before it
 * and never more than `lateToleranceMs` after it, so sends are paced over
 * the timeline instead of bursting per batch.
 *
 * Lanes: within the process priority callers take the next slot first; on
 * the timeline a bulk reservation waits while the tail is more than
 * `bulkLookaheadMs` ahead, a priority one only past `priorityLookaheadMs`.
 * So a backlog keeps the tail within ~1 s of now and a webhook in any
 * process gets a slot within about that, however large the backlog.
 *
 * Cold start: a process's first calls (and its first after 10 s without
 * one) leave late and bunch with the next ones, so their batch is followed
 * by up to `coldStartGapMs` of empty timeline (one slot per call at most).
 *
 * Fallback: when a write fails (unreachable, throttled, timed out) the
 * process uses a local sliding-window limiter at `fallbackShare` of the
 * quota and tries the timeline again later (5 s, doubling up to 60 s).
 * Slots it still holds stay valid. Switching either way waits one widened
 * window after the other mode's last grant, so the two never add up in one
 * window. A process cut off while others still reach the timeline can add
 * its share on top of theirs; the engine's adaptive rate absorbs that rare
 * overlap (throttled calls are retried, never lost).
 */
export class SharedRateBudget implements RateBudget {
  private readonly o: ResolvedBudgetOptions;
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly logger: Logger;
  private readonly baseRate: number;
  private readonly widenedMs: number;
  /** Whether the last write found another process's append (see PlanInput.contended). */
  private contended = false;
  /** Worst recent event-loop stall seen by the pump, and when (see noteLateness). */
  private stallMs = 0;
  private stallAt = Number.NEGATIVE_INFINITY;
  /**
   * Most slots held for bulk callers: two batches, one when the timeline is
   * crowded (our last batch started past half the bulk lookahead), so up
   * to ~9 processes under a backlog fit in the lookahead without contending.
   */
  private maxHeld: number;
  private readonly adaptive: AdaptiveRate | undefined;
  private readonly fallback: SlidingWindowLimiter;
  private readonly waiters = new LaneWaiters();
  private readonly waited: Record<Lane, { count: number; totalMs: number; maxMs: number }> = {
    priority: { count: 0, totalMs: 0, maxMs: 0 },
    bulk: { count: 0, totalMs: 0, maxMs: 0 },
  };
  private slots: number[] = [];
  private knownNextUs: number | undefined;
  private pumping = false;
  private refilling = false;
  private change = new AbortController();
  private fallbackUntil = Number.NEGATIVE_INFINITY;
  private retryMs: number;
  private lastSharedGrant = Number.NEGATIVE_INFINITY;
  private lastFallbackGrant = Number.NEGATIVE_INFINITY;
  private readonly counters: Omit<SharedBudgetStats, 'wait'> = {
    writes: 0,
    failedWrites: 0,
    reserved: 0,
    granted: 0,
    expired: 0,
    fallbackGrants: 0,
    fallbacks: 0,
    coldGaps: 0,
  };

  constructor(
    private readonly store: SlotStore,
    options: SharedRateBudgetOptions,
  ) {
    this.o = resolveBudgetOptions(options);
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    this.logger = options.logger ?? silentLogger;
    this.baseRate = safeRate(this.o.quota, this.o);
    this.widenedMs = this.o.windowMs + this.o.jitterMarginMs + this.o.lateToleranceMs;
    this.retryMs = this.o.retrySharedAfterMs;
    this.maxHeld = 2 * this.o.batchMax;
    this.adaptive =
      options.adaptive === false
        ? undefined
        : new AdaptiveRate({
            ...options.adaptive,
            maxRate: this.baseRate,
            cooldownMs: this.widenedMs,
          });
    this.fallback = new SlidingWindowLimiter({
      quota: Math.max(1, Math.floor(this.o.quota * this.o.fallbackShare)),
      windowMs: this.o.windowMs,
      jitterMarginMs: this.o.jitterMarginMs + this.o.lateToleranceMs,
      adaptive: options.adaptive,
      clock: this.clock,
      sleep: this.sleep,
    });
  }

  /** Takes a slot in the bulk lane. */
  take(signal?: AbortSignal, leadMs?: number): Promise<number> {
    return this.takeIn('bulk', signal, leadMs);
  }

  /** Resolves at the caller's slot (or `leadMs` before it) with its time; priority callers go first. */
  takeIn(lane: Lane, signal?: AbortSignal, leadMs?: number): Promise<number> {
    const taken = this.waiters.add(lane, this.clock(), signal, leadMs);
    this.notify();
    if (!this.pumping) void this.pump();
    return taken;
  }

  /** A view of this budget whose `take` draws from `lane`. */
  lane(lane: Lane): RateBudget {
    return {
      take: (signal, leadMs) => this.takeIn(lane, signal, leadMs),
      onThrottled: () => this.onThrottled(),
      onSuccess: () => this.onSuccess(),
      onSendDelay: (delayMs) => this.onSendDelay(delayMs),
      currentRate: () => this.currentRate(),
    };
  }

  /** A call left `delayMs` after its slot: spaced like after an event-loop stall of that length. */
  onSendDelay(delayMs: number): void {
    this.noteLateness(delayMs, this.clock());
  }

  onThrottled(): void {
    this.adaptive?.onThrottled(this.clock());
    this.fallback.onThrottled();
  }

  onSuccess(): void {
    this.adaptive?.onSuccess(this.clock());
    this.fallback.onSuccess();
  }

  /** This process's pacing rate: the safe share of the quota, or the local share in fallback. */
  currentRate(): number {
    const now = this.clock();
    if (this.inFallback(now)) return this.fallback.currentRate();
    const adaptive = this.adaptive?.current() ?? this.baseRate;
    const stall = now - this.stallAt < STALL_MEMORY_MS ? this.stallMs : 0;
    if (stall <= this.o.jitterMarginMs) return adaptive;
    const widened = Math.min(MAX_STALL_MARGIN_MS, stall);
    return Math.min(adaptive, safeRate(this.o.quota, { ...this.o, jitterMarginMs: widened }));
  }

  /**
   * The pump woke `lateMs` after its slot: the event loop stalled. Calls
   * granted just before a stall leave when it ends, bunched with those
   * granted after it, so they reach the server closer together than their
   * slots: this process spaces the batches it reserves for the next 10 s
   * by the worst recent stall instead of the jitter margin (at most 250 ms,
   * 80% of the quota), so its sparser slots make up for the bunching.
   */
  private noteLateness(lateMs: number, now: number): void {
    if (lateMs <= this.o.jitterMarginMs) return;
    if (now - this.stallAt >= STALL_MEMORY_MS || lateMs > this.stallMs) this.stallMs = lateMs;
    this.stallAt = now;
  }

  stats(): SharedBudgetStats {
    const wait = (lane: Lane) => {
      const { count, totalMs, maxMs } = this.waited[lane];
      return { count, meanMs: count ? Math.round(totalMs / count) : 0, maxMs };
    };
    return { ...this.counters, wait: { priority: wait('priority'), bulk: wait('bulk') } };
  }

  /** No slot held and none granted lately: the next calls are a cold start's (see coldStartGapMs). */
  private isCold(now: number): boolean {
    return this.slots.length === 0 && now - this.lastSharedGrant > this.o.coldAfterMs;
  }

  private inFallback(now: number): boolean {
    return now < this.fallbackUntil;
  }

  /** Serves callers one slot at a time until none waits. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.waiters.size > 0) {
        const now = this.clock();
        this.expire(now);
        const next = this.slots[0];
        if (next !== undefined) {
          const releaseAt = next - this.waiters.nextLeadMs;
          if (releaseAt > now) {
            const target = Math.ceil(releaseAt);
            await this.pause(releaseAt - now);
            const woke = this.clock();
            if (woke > target) this.noteLateness(woke - target, woke);
          } else this.grantShared(now, Math.max(next, now));
          continue;
        }
        if (this.inFallback(now)) {
          await this.grantFallback(now);
          continue;
        }
        // Back from a fallback: let its last window pass before shared slots add to it.
        const resumeAt = this.lastFallbackGrant + this.widenedMs;
        if (now < resumeAt) {
          await this.pause(resumeAt - now);
          continue;
        }
        this.startRefill();
        await this.pause(Number.POSITIVE_INFINITY);
      }
    } finally {
      this.pumping = false;
    }
  }

  private grantShared(now: number, slotAt: number): void {
    this.slots.shift();
    if (!this.release(now, slotAt)) return;
    this.lastSharedGrant = now;
    if (this.waiters.size > this.slots.length) this.startRefill();
  }

  private release(now: number, slotAt: number): boolean {
    const waiter = this.waiters.release(slotAt);
    if (!waiter) return false;
    this.counters.granted++;
    const stats = this.waited[waiter.lane];
    stats.count++;
    stats.totalMs += now - waiter.since;
    stats.maxMs = Math.max(stats.maxMs, now - waiter.since);
    return true;
  }

  private async grantFallback(now: number): Promise<void> {
    const startAt = this.lastSharedGrant + this.widenedMs;
    if (now < startAt) return this.pause(startAt - now);
    await this.fallback.take();
    const at = this.clock();
    if (!this.release(at, at)) return;
    this.counters.fallbackGrants++;
    this.lastFallbackGrant = at;
  }

  /** Drops slots too far in the past to be used: unused slots are never banked. */
  private expire(now: number): void {
    const oldest = now - this.o.lateToleranceMs;
    let drop = 0;
    while (drop < this.slots.length && (this.slots[drop] as number) < oldest) drop++;
    if (drop > 0) {
      this.slots.splice(0, drop);
      this.counters.expired += drop;
    }
  }

  private startRefill(): void {
    if (this.refilling || this.inFallback(this.clock())) return;
    this.refilling = true;
    void this.refill().finally(() => {
      this.refilling = false;
      this.notify();
    });
  }

  /**
   * Writes until it holds slots for the callers waiting beyond those held,
   * demand goes away, or the store fails. Priority callers get theirs at
   * once. Bulk callers are batched: a write waits until `batchMin` callers
   * lack a slot, or until the first of them has gathered `gatherMs` and the
   * held slots are about to run out; and a process holds at most two
   * batches, so a few processes under a backlog stay within the bulk
   * lookahead instead of contending for it.
   */
  private async refill(): Promise<void> {
    for (;;) {
      const now = this.clock();
      const held = this.slots.length;
      const deficit = this.waiters.size - held;
      if (deficit <= 0) return;
      const priority = this.waiters.hasPriority;
      let room = deficit;
      if (!priority) {
        room = Math.min(deficit, this.maxHeld - held);
        if (room <= 0) return;
        const gathered = (this.waiters.arrivalAt(held) ?? now) + this.o.gatherMs;
        const last = this.slots[held - 1];
        const due =
          last === undefined ? gathered : Math.max(gathered, last - this.o.prefetchLeadMs);
        if (room < this.o.batchMin && now < due) {
          await this.sleep(Math.ceil(due - now), this.change.signal);
          continue;
        }
      }
      const count = Math.min(room, this.o.batchMax);
      const intervalUs = slotIntervalUs(this.currentRate());
      const gapUs = this.isCold(now)
        ? Math.min(count * intervalUs, Math.round(this.o.coldStartGapMs * 1000))
        : 0;
      const lookaheadMs = priority ? this.o.priorityLookaheadMs : this.o.bulkLookaheadMs;
      const plan = planReservation({
        knownNextUs: this.knownNextUs,
        contended: this.contended,
        nowMs: now,
        count,
        intervalUs,
        lateToleranceMs: this.o.lateToleranceMs,
        lookaheadMs,
        gapUs,
      });
      if (plan.kind === 'wait') {
        // Several processes wait for the same tail: spread their retries over a batch.
        const spread = this.random() * ((count * intervalUs) / 1000);
        await this.sleep(Math.ceil(plan.untilMs - now + spread), this.change.signal);
        continue;
      }
      let result: Awaited<ReturnType<SlotStore['write']>>;
      try {
        this.counters.writes++;
        result = await this.store.write(plan);
      } catch (error) {
        this.enterFallback(error);
        return;
      }
      this.leaveFallback();
      if (result.ok) {
        this.knownNextUs = result.nextUs;
        const batch = batchSlots(result.nextUs, count, intervalUs, gapUs);
        if (gapUs > 0) this.counters.coldGaps++;
        const crowded = (batch[0] as number) - now > this.o.bulkLookaheadMs / 2;
        this.maxHeld = crowded ? this.o.batchMax : 2 * this.o.batchMax;
        this.addSlots(batch);
        return;
      }
      this.counters.failedWrites++;
      // A failed reset means someone appended; a failed append on a stale view, the reverse.
      this.contended = plan.kind === 'reset';
      this.knownNextUs = result.currentUs;
    }
  }

  private addSlots(batch: number[]): void {
    this.counters.reserved += batch.length;
    const last = this.slots[this.slots.length - 1];
    this.slots.push(...batch);
    if (last !== undefined && (batch[0] as number) < last) this.slots.sort((a, b) => a - b);
  }

  private enterFallback(error: unknown): void {
    const now = this.clock();
    if (!this.inFallback(now)) {
      this.counters.fallbacks++;
      this.logger.warn('rate budget: timeline unreachable, using the local share', {
        share: this.o.fallbackShare,
        retryInMs: this.retryMs,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    this.fallbackUntil = now + this.retryMs;
    this.retryMs = Math.min(this.o.maxRetrySharedMs, this.retryMs * 2);
  }

  private leaveFallback(): void {
    if (this.retryMs === this.o.retrySharedAfterMs) return;
    this.retryMs = this.o.retrySharedAfterMs;
    this.logger.info('rate budget: timeline reachable again');
  }

  /** Sleeps up to `ms`, waking early on any change (a caller, a batch, a fallback). */
  private async pause(ms: number): Promise<void> {
    const signal = this.change.signal;
    if (Number.isFinite(ms)) return this.sleep(Math.ceil(ms), signal);
    if (signal.aborted) return;
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
  }

  private notify(): void {
    this.change.abort();
    this.change = new AbortController();
  }
}
