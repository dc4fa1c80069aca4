import { type Clock, realSleep, type Sleep, systemClock } from '../clock.js';
import { type Logger, silentLogger } from '../logger.js';
import { AdaptiveRate } from './adaptive-rate.js';
import {
  type ResolvedBudgetOptions,
  resolveBudgetOptions,
  type SharedRateBudgetOptions,
} from './budget-options.js';
import { BudgetStats, type SharedBudgetStats } from './budget-stats.js';
import { FallbackWindow } from './fallback-window.js';
import type { RateBudget, SlotGrant } from './rate-budget.js';
import { SlidingWindowLimiter } from './sliding-window-limiter.js';
import { batchSlots, planReservation, safeRate, slotIntervalUs } from './slot-math.js';
import type { SlotStore } from './slot-store.js';
import { StallTracker } from './stall-tracker.js';
import { type Lane, WaiterQueue } from './waiter-queue.js';

/**
 * A {@link RateBudget} shared by every process through one timeline item
 * (slot-math.ts has the spacing proof). Each process reserves batches of
 * slots and lets one caller go at each slot's time, priority callers first.
 * When the item cannot be reached it falls back to a local share of the
 * quota (docs/architecture.md, "Rate", has the lanes, cold starts and the
 * fallback).
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
  /** A stall spaces the batches reserved for the next 10 s by its length, at most 250 ms. */
  private readonly stalls: StallTracker;
  /**
   * Most slots held for bulk callers: two batches, one when the timeline is
   * crowded (our last batch started past half the bulk lookahead), so up
   * to ~9 processes under a backlog fit in the lookahead without contending.
   */
  private maxHeld: number;
  private readonly adaptive: AdaptiveRate | undefined;
  private readonly fallback: SlidingWindowLimiter;
  private readonly waiters = new WaiterQueue();
  private slots: number[] = [];
  private knownNextUs: number | undefined;
  private pumping = false;
  private refilling = false;
  private change = new AbortController();
  private readonly fallbackWindow: FallbackWindow;
  private lastSharedGrant = Number.NEGATIVE_INFINITY;
  private lastFallbackGrant = Number.NEGATIVE_INFINITY;
  private readonly figures = new BudgetStats();
  private readonly counters = this.figures.counters;

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
    this.fallbackWindow = new FallbackWindow(this.o.retrySharedAfterMs, this.o.maxRetrySharedMs);
    this.stalls = new StallTracker(this.o.jitterMarginMs);
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
  take(signal?: AbortSignal): Promise<SlotGrant | undefined> {
    return this.takeIn('bulk', signal);
  }

  /**
   * Resolves at the caller's slot; priority callers go before bulk ones. No
   * grant is handed out: the timeline is shared, so a late call is told
   * through onSendDelay and spaces this process's later slots.
   */
  takeIn(lane: Lane, signal?: AbortSignal): Promise<SlotGrant | undefined> {
    const taken = this.waiters.add(lane, this.clock(), signal);
    this.notify();
    if (!this.pumping) void this.pump();
    return taken;
  }

  /** A view of this budget whose `take` draws from `lane`. */
  lane(lane: Lane): RateBudget {
    return {
      take: (signal) => this.takeIn(lane, signal),
      onThrottled: () => this.onThrottled(),
      onSuccess: () => this.onSuccess(),
      onSendDelay: (delayMs) => this.onSendDelay(delayMs),
      currentRate: () => this.currentRate(),
    };
  }

  /** A call left `delayMs` after its slot: spaced like after an event-loop stall of that length. */
  onSendDelay(delayMs: number): void {
    this.stalls.note(delayMs, this.clock());
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
    const margin = this.stalls.marginMs(now);
    if (margin <= this.o.jitterMarginMs) return adaptive;
    return Math.min(adaptive, safeRate(this.o.quota, { ...this.o, jitterMarginMs: margin }));
  }

  stats(): SharedBudgetStats {
    return this.figures.snapshot();
  }

  /** No slot held and none granted lately: the next calls are a cold start's (see coldStartGapMs). */
  private isCold(now: number): boolean {
    return this.slots.length === 0 && now - this.lastSharedGrant > this.o.coldAfterMs;
  }

  private inFallback(now: number): boolean {
    return this.fallbackWindow.active(now);
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
          if (next > now) {
            const target = Math.ceil(next);
            await this.pause(next - now);
            const woke = this.clock();
            if (woke > target) this.stalls.note(woke - target, woke);
          } else this.grantShared(now);
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

  private grantShared(now: number): void {
    this.slots.shift();
    if (!this.release(now)) return;
    this.lastSharedGrant = now;
    if (this.waiters.size > this.slots.length) this.startRefill();
  }

  private release(now: number): boolean {
    const waiter = this.waiters.release();
    if (!waiter) return false;
    this.figures.granted(waiter.lane, now - waiter.since);
    return true;
  }

  private async grantFallback(now: number): Promise<void> {
    const startAt = this.lastSharedGrant + this.widenedMs;
    if (now < startAt) return this.pause(startAt - now);
    await this.fallback.take();
    const at = this.clock();
    if (!this.release(at)) return;
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
    const { started, retryInMs } = this.fallbackWindow.enter(this.clock());
    if (!started) return;
    this.counters.fallbacks++;
    this.logger.warn('rate budget: timeline unreachable, using the local share', {
      share: this.o.fallbackShare,
      retryInMs,
      error: error instanceof Error ? error.message : String(error),
    });
  }

  private leaveFallback(): void {
    if (this.fallbackWindow.leave()) this.logger.info('rate budget: timeline reachable again');
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
