import { type Clock, realSleep, type Sleep, systemClock } from '../clock.js';
import { assertNumberAbove, assertNumberAtLeast } from '../validation.js';
import { AdaptiveRate, type AdaptiveRateOptions } from './adaptive-rate.js';
import type { RateBudget, SlotGrant } from './rate-budget.js';
import { SendLog } from './send-log.js';
import { StallTracker } from './stall-tracker.js';
import { WaiterQueue } from './waiter-queue.js';

/** Options of {@link SlidingWindowLimiter}. */
export interface SlidingWindowLimiterOptions {
  /** Calls allowed per server window (`CAR_QUOTA_RPS`). */
  quota: number;
  /** The server's window, in ms. @default 1000 */
  windowMs?: number;
  /** Widening of the window for jitter between send and arrival, in ms. @default 30 */
  jitterMarginMs?: number;
  /** Space calls evenly instead of letting a window's worth go at once. @default true */
  smooth?: boolean;
  /**
   * Every caller tells its grant when the call leaves (`SlotGrant.depart`, as
   * the engine does): the log then holds when calls actually left, and a
   * timer that fires late needs no wider window. @default false
   */
  departuresReported?: boolean;
  /** Adaptive-rate settings; `false` keeps the rate at the quota whatever happens. @default {} */
  adaptive?: Omit<AdaptiveRateOptions, 'maxRate'> | false;
  /** @default systemClock */
  clock?: Clock;
  /** @default realSleep */
  sleep?: Sleep;
}

export const DEFAULT_JITTER_MARGIN_MS = 30;
/**
 * This process's own DestroySession budget: no window of `windowMs` plus the
 * jitter margin holds more than `quota` sends, so no server window holds more
 * than `quota` arrivals (docs/architecture.md, "Rate"). Calls are also paced
 * one window/quota apart, and the rate adapts to throttling (AdaptiveRate).
 */
export class SlidingWindowLimiter implements RateBudget {
  private readonly log: SendLog;
  private readonly waiters = new WaiterQueue();
  private readonly rate: AdaptiveRate | undefined;
  private readonly windowMs: number;
  /** A stall widens the window by its length for a while, at most 250 ms. */
  private readonly stalls: StallTracker;
  private readonly smooth: boolean;
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private lastSlot = Number.NEGATIVE_INFINITY;
  private pumping = false;
  /** The queue ran dry before this waiter came: its slot starts from now. */
  private restarted = false;

  constructor(private readonly options: SlidingWindowLimiterOptions) {
    const { quota, windowMs = 1000, jitterMarginMs = DEFAULT_JITTER_MARGIN_MS } = options;
    assertNumberAtLeast(quota, 'quota', 1, { integer: true });
    assertNumberAbove(windowMs, 'windowMs', 0);
    assertNumberAtLeast(jitterMarginMs, 'jitterMarginMs', 0);
    this.log = new SendLog(quota);
    this.windowMs = windowMs;
    this.stalls = new StallTracker(jitterMarginMs);
    this.smooth = options.smooth ?? true;
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? realSleep;
    this.rate =
      options.adaptive === false
        ? undefined
        : new AdaptiveRate({
            ...options.adaptive,
            maxRate: quota,
            cooldownMs: windowMs + jitterMarginMs,
          });
  }

  take(signal?: AbortSignal): Promise<SlotGrant | undefined> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const taken = this.waiters.add('bulk', this.clock(), signal);
    if (!this.pumping) {
      this.restarted = true;
      void this.pump();
    }
    return taken;
  }

  onThrottled(): void {
    this.rate?.onThrottled(this.clock());
  }

  onSuccess(): void {
    this.rate?.onSuccess(this.clock());
  }

  currentRate(): number {
    return this.rate?.current() ?? this.options.quota;
  }

  /** The window the log enforces: the server's, widened by the margin (or a recent stall). */
  private get widenedMs(): number {
    return this.windowMs + this.stalls.marginMs(this.clock());
  }

  onSendDelay(delayMs: number): void {
    this.stalls.note(delayMs, this.clock());
  }

  /** Calls the current rate allows in one widened window (at least 1). */
  private capacity(): number {
    // The epsilon absorbs float error (70.00000000001 must not become 70 -> 69).
    return Math.max(1, Math.floor((this.currentRate() * this.windowMs) / 1000 + 1e-9));
  }

  /** Earliest time the next call may go. */
  private nextAllowedAt(now: number): number {
    const capacity = this.capacity();
    let at = now;
    const oldest = this.log.nthMostRecent(capacity);
    if (oldest !== undefined) at = Math.max(at, oldest + this.widenedMs);
    if (this.smooth) at = Math.max(at, this.lastSlot + this.widenedMs / capacity);
    return at;
  }

  private grant(now: number): void {
    const interval = this.widenedMs / this.capacity();
    // Anchor on the ideal slot, so a timer that fires late is caught up on
    // the next grants instead of pushing every later slot back (on a busy
    // machine timers fire 10-20 ms late: without catch-up that would cost a
    // third of the rate). Catch-up is bounded to a tenth of the window. When
    // the queue had run dry there is nothing to catch up: restart from now.
    const floor = this.restarted ? now : now - this.widenedMs / 10;
    this.restarted = false;
    this.lastSlot = Math.max(this.lastSlot + interval, floor);
    this.log.record(now);
  }

  /** Serves waiters in order, one at a time, sleeping until each may go. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.waiters.size > 0) {
        const now = this.clock();
        const at = this.nextAllowedAt(now);
        if (at > now) {
          // Re-evaluated after the sleep: the rate may have changed meanwhile.
          const target = Math.ceil(at);
          await this.sleep(target - now);
          const woke = this.clock();
          // A late grant is logged when it happens; only calls that never say when they
          // left can bunch after a stall.
          if (!this.options.departuresReported) this.stalls.note(woke - target, woke);
          continue;
        }
        this.grant(now);
        // The grant is logged at `now`; a call that leaves later is logged when it leaves.
        this.waiters.release({ depart: (at) => this.log.move(now, at) });
      }
    } finally {
      this.pumping = false;
    }
  }
}
