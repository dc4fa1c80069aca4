import { ValidationError } from '../errors.js';
import { assertNumberAbove } from '../validation.js';

/**
 * The rate a client may send at, cut on throttling and regrown on success.
 *
 * Follows the AWS SDK's adaptive retry mode, `DefaultRateLimiter` in
 * @smithy/util-retry (@smithy/core 3.x, submodules/retry/util-retry), which is
 * CUBIC congestion control (Ha, Rhee, Xu, 2008) applied to a request rate:
 * - on a throttle: remember the rate we had (`lastMaxRate`), cut it to
 *   `beta * rate` (smithy: beta = 0.7);
 * - on a success: rate = C * (t - K)^3 + lastMaxRate, with t the seconds since
 *   the throttle, C = 0.4 (smithy's `scaleConstant`) and
 *   K = cbrt(lastMaxRate * (1 - beta) / C), so the curve starts at the cut rate,
 *   climbs quickly, flattens as it nears the rate that was throttled (probing
 *   gently where trouble was), then grows again past it.
 * Differences, and why: the rate never exceeds the configured quota (we know
 * the server's limit; smithy does not); a floor (10% of the quota) instead of
 * smithy's 0.5/s so a burst of throttles cannot stall a run; and throttles
 * within one window of the last cut count as the same congestion event (as
 * TCP cuts once per round trip): every call already in flight when the quota
 * ran out answers RequestLimitExceeded together, and cutting 0.7x per answer
 * would drop to the floor on a single overrun.
 */

export interface AdaptiveRateOptions {
  /** Highest rate, calls per second: the quota. */
  maxRate: number;
  /** Multiplicative cut on a throttle. @default 0.7 */
  beta?: number;
  /** Lowest rate as a fraction of `maxRate` (at least 1/s). @default 0.1 */
  minFraction?: number;
  /** CUBIC's C, in (calls/s) per s^3. @default 0.4 */
  scaleConstant?: number;
  /** Throttles closer than this to the last cut are the same event, in ms. @default 1000 */
  cooldownMs?: number;
}

export class AdaptiveRate {
  private rate: number;
  private lastMaxRate: number;
  private lastThrottleAt = Number.NEGATIVE_INFINITY;
  /** Seconds the cubic curve takes to climb back to `lastMaxRate`. */
  private timeWindow = 0;
  private readonly beta: number;
  private readonly minRate: number;
  private readonly scaleConstant: number;
  private readonly cooldownMs: number;

  constructor(private readonly options: AdaptiveRateOptions) {
    assertNumberAbove(options.maxRate, 'maxRate', 0);
    this.beta = options.beta ?? 0.7;
    assertNumberAbove(this.beta, 'beta', 0);
    if (this.beta >= 1) throw new ValidationError('beta', `must be below 1, got ${this.beta}`);
    this.minRate = Math.min(
      options.maxRate,
      Math.max(1, (options.minFraction ?? 0.1) * options.maxRate),
    );
    this.scaleConstant = options.scaleConstant ?? 0.4;
    this.cooldownMs = options.cooldownMs ?? 1000;
    this.rate = options.maxRate;
    this.lastMaxRate = options.maxRate;
  }

  /** The rate allowed now, calls per second. */
  current(): number {
    return this.rate;
  }

  /** Whether a throttle has cut the rate below the maximum. */
  isReduced(): boolean {
    return this.rate < this.options.maxRate;
  }

  /** A RequestLimitExceeded arrived at `now` (epoch ms). Returns true if it cut the rate. */
  onThrottled(now: number): boolean {
    if (now - this.lastThrottleAt < this.cooldownMs) return false;
    this.lastMaxRate = this.rate;
    this.lastThrottleAt = now;
    this.timeWindow = Math.cbrt((this.lastMaxRate * (1 - this.beta)) / this.scaleConstant);
    this.rate = Math.max(this.minRate, this.rate * this.beta);
    return true;
  }

  /** A call went through at `now` (epoch ms): regrow along the cubic curve. */
  onSuccess(now: number): void {
    if (!this.isReduced()) return;
    const t = (now - this.lastThrottleAt) / 1000;
    const cubic = this.scaleConstant * (t - this.timeWindow) ** 3 + this.lastMaxRate;
    // Never below where the cut left us: successes must not slow us further.
    this.rate = Math.min(this.options.maxRate, Math.max(this.rate, cubic));
  }
}
