import { type Clock, realSleep, type Sleep, systemClock } from '../clock.js';
import { AdaptiveRate, type AdaptiveRateOptions } from './adaptive-rate.js';
import type { RateBudget } from './rate-budget.js';
import { SendLog } from './send-log.js';

/**
 * Keeps DestroySession calls within the quota *as the server counts them*.
 *
 * The server counts arrivals in any 1 s window. A call sent at s arrives at
 * s + d, with d varying between calls by up to J (network jitter, plus the
 * event-loop delay between the grant here and the bytes leaving the socket).
 * Arrivals in a server window [a, a + 1000) were sent in
 * [a - d_max, a + 1000 - d_min), an interval of 1000 + J ms. So if no
 * window of 1000 + margin ms (margin >= J) holds more than `quota` sends,
 * no server window holds more than `quota` arrivals. The log of the last
 * `quota` send times enforces exactly that: a call may go when the
 * quota-th most recent send is at least one widened window old.
 *
 * Default margin 30 ms: one-way jitter on a keep-alive HTTPS connection
 * within or between nearby regions is a few ms, an event-loop stall under
 * load adds 10-20 ms; 30 ms covers both while costing 3% of the quota
 * (100 calls per 1.03 s = 97.1/s). 50 ms would cost 5% (95.2/s) and
 * leave no room to reach 95% of the quota over a run.
 *
 * Smooth pacing: calls are also spaced one window/quota apart, anchored on
 * their ideal slots so a late timer does not push every later slot back.
 * It costs no throughput (the log allows the same average) but spreads the
 * first second's calls instead of sending all `quota` at t = 0, which a
 * server counting with coarser buckets, or a second caller starting at the
 * same moment, would punish.
 *
 * Event-loop stalls: a request granted just before a stall leaves when the
 * stall ends, bunched with those granted after it. The pump measures how
 * late its timers fire and widens the window by the worst recent stall when
 * that exceeds the margin (measured in the benchmark: on a loaded 2-core
 * machine, 80-100 ms stalls otherwise let 105 calls into one server second).
 *
 * Adaptive: see {@link AdaptiveRate} (the AWS SDK's CUBIC adaptive mode).
 */
export interface SlidingWindowLimiterOptions {
  /** Calls allowed per server window (`CAR_QUOTA_RPS`). */
  quota: number;
  /** The server's window, in ms. @default 1000 */
  windowMs?: number;
  /** Widening of the window for jitter between send and arrival, in ms. @default 30 */
  jitterMarginMs?: number;
  /** Space calls evenly instead of letting a window's worth go at once. @default true */
  smooth?: boolean;
  /** Adaptive-rate settings; `false` keeps the rate at the quota whatever happens. @default {} */
  adaptive?: Omit<AdaptiveRateOptions, 'maxRate'> | false;
  /** @default systemClock */
  clock?: Clock;
  /** @default realSleep */
  sleep?: Sleep;
}

export const DEFAULT_JITTER_MARGIN_MS = 30;
/** How long a stall keeps widening the window. */
const STALL_MEMORY_MS = 10_000;
/** The widest a stall makes the margin (the rate then stays above 80% of the quota). */
const MAX_STALL_MARGIN_MS = 250;

interface Waiter {
  leadMs: number;
  resolve: (slotAt: number) => void;
  reject: (reason: unknown) => void;
  detach: () => void;
}

export class SlidingWindowLimiter implements RateBudget {
  private readonly log: SendLog;
  private readonly waiters: Waiter[] = [];
  private readonly rate: AdaptiveRate | undefined;
  private readonly windowMs: number;
  private readonly baseMarginMs: number;
  /** Worst recent event-loop stall seen by the pump, and when. */
  private stallMs = 0;
  private stallAt = Number.NEGATIVE_INFINITY;
  private readonly smooth: boolean;
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private lastSlot = Number.NEGATIVE_INFINITY;
  private pumping = false;
  /** The queue ran dry before this waiter came: its slot starts from now. */
  private restarted = false;

  constructor(private readonly options: SlidingWindowLimiterOptions) {
    const { quota, windowMs = 1000, jitterMarginMs = DEFAULT_JITTER_MARGIN_MS } = options;
    if (!Number.isInteger(quota) || quota < 1) {
      throw new RangeError(`quota: must be an integer >= 1, got ${quota}`);
    }
    if (!(windowMs > 0)) throw new RangeError(`windowMs: must be > 0, got ${windowMs}`);
    if (!(jitterMarginMs >= 0)) {
      throw new RangeError(`jitterMarginMs: must be >= 0, got ${jitterMarginMs}`);
    }
    this.log = new SendLog(quota);
    this.windowMs = windowMs;
    this.baseMarginMs = jitterMarginMs;
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

  take(signal?: AbortSignal, leadMs = 0): Promise<number> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<number>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        leadMs: Math.max(0, leadMs),
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      if (!this.pumping) {
        this.restarted = true;
        void this.pump();
      }
    });
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

  /**
   * The window the log enforces: the server's, widened by the jitter margin,
   * or by the worst event-loop stall of the last 10 s if that is larger (capped
   * at 250 ms). A stall delays the requests granted just before it as much as
   * it delays our timers, so they reach the server late and bunched with the
   * ones granted after it: the margin has to cover it. A calm loop returns to
   * the configured margin.
   */
  private get widenedMs(): number {
    const recent = this.clock() - this.stallAt < STALL_MEMORY_MS ? this.stallMs : 0;
    return this.windowMs + Math.max(this.baseMarginMs, Math.min(MAX_STALL_MARGIN_MS, recent));
  }

  onSendDelay(delayMs: number): void {
    this.noteLateness(delayMs, this.clock());
  }

  /** The pump woke `lateMs` after the time it slept until. */
  private noteLateness(lateMs: number, now: number): void {
    if (lateMs <= this.baseMarginMs) return;
    if (now - this.stallAt >= STALL_MEMORY_MS || lateMs > this.stallMs) this.stallMs = lateMs;
    this.stallAt = now;
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

  /** Grants the slot at `slotAt` (now, or up to a waiter's lead ahead). */
  private grant(now: number, slotAt: number): void {
    const interval = this.widenedMs / this.capacity();
    // Anchor on the ideal slot, so a timer that fires late is caught up on
    // the next grants instead of pushing every later slot back (on a busy
    // machine timers fire 10-20 ms late: without catch-up that would cost a
    // third of the rate). Catch-up is bounded to a tenth of the window. When
    // the queue had run dry there is nothing to catch up: restart from now.
    const floor = this.restarted ? slotAt : now - this.widenedMs / 10;
    this.restarted = false;
    this.lastSlot = Math.max(this.lastSlot + interval, floor);
    this.log.record(slotAt);
  }

  /** Serves waiters in order, one at a time, sleeping until each may go. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.waiters.length > 0) {
        const now = this.clock();
        const at = this.nextAllowedAt(now);
        const lead = (this.waiters[0] as Waiter).leadMs;
        if (at - lead > now) {
          // Re-evaluated after the sleep: the rate may have changed meanwhile.
          const target = Math.ceil(at - lead);
          await this.sleep(target - now);
          const woke = this.clock();
          this.noteLateness(woke - target, woke);
          continue;
        }
        const waiter = this.waiters.shift() as Waiter;
        waiter.detach();
        const slotAt = Math.max(at, now);
        this.grant(now, slotAt);
        waiter.resolve(slotAt);
      }
    } finally {
      this.pumping = false;
    }
  }
}
