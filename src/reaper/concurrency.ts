import { assertNumberAbove, assertNumberAtLeast } from '../validation.js';

/**
 * How many DestroySession calls to keep in flight. By Little's law the calls
 * in flight L equal the arrival rate times the time each spends in flight
 * (L = lambda * W): to sustain `quotaRps` calls per second at a latency of W
 * seconds, at least quotaRps * W calls must be outstanding. A fixed 10 in
 * flight at 200 ms tops out at 50/s, half a 100/s quota. The rate limiter,
 * not this cap, is what keeps the rate within the quota; the cap only has to
 * be high enough never to be the bottleneck, and low enough to bound the
 * damage of a run that goes wrong (after an auth failure at most this many
 * calls are still in flight).
 */

export interface ConcurrencyOptions {
  /** Calls per second the quota allows. */
  quotaRps: number;
  /**
   * Expected round trip of one DestroySession call, in ms: from AWS to
   * car.tencentcloudapi.com across regions, about 200 ms is typical.
   * @default 200
   */
  expectedLatencyMs?: number;
  /**
   * Headroom over the mean for latency spikes (a tail call holds its slot
   * longer): 1.75 turns 100/s x 200 ms = 20 into 35.
   * @default 1.75
   */
  safetyFactor?: number;
  /** @default 4 */
  min?: number;
  /** @default 256 */
  max?: number;
}

export const DEFAULT_EXPECTED_LATENCY_MS = 200;
export const DEFAULT_SAFETY_FACTOR = 1.75;

/** Default number of DestroySession calls in flight, from the quota and latency (Little's law). */
export function defaultConcurrency(options: ConcurrencyOptions): number {
  const {
    quotaRps,
    expectedLatencyMs = DEFAULT_EXPECTED_LATENCY_MS,
    safetyFactor = DEFAULT_SAFETY_FACTOR,
    min = 4,
    max = 256,
  } = options;
  assertNumberAbove(quotaRps, 'quotaRps', 0);
  assertNumberAtLeast(expectedLatencyMs, 'expectedLatencyMs', 0);
  const littles = Math.ceil(quotaRps * (expectedLatencyMs / 1000) * safetyFactor);
  return Math.min(max, Math.max(min, littles));
}

/**
 * The concurrency to use: `CAR_CONCURRENCY` when set (the operator knows
 * best), else {@link defaultConcurrency} for the quota.
 */
export function resolveConcurrency(quotaRps: number, configured?: number): number {
  if (configured !== undefined) {
    assertNumberAtLeast(configured, 'concurrency', 1, { integer: true });
    return configured;
  }
  return defaultConcurrency({ quotaRps });
}

/**
 * Suggests a concurrency from latencies actually observed (an exponentially
 * weighted mean), so a run against a slow or far endpoint raises its cap and
 * a fast one does not keep needless calls in flight. Never below `floor`.
 */
export class LatencyTracker {
  private mean: number | undefined;

  constructor(
    private readonly quotaRps: number,
    private readonly options: { weight?: number; floor?: number; max?: number } = {},
  ) {}

  /** Records one call's latency in ms. */
  observe(latencyMs: number): void {
    const weight = this.options.weight ?? 0.1;
    this.mean = this.mean === undefined ? latencyMs : this.mean + weight * (latencyMs - this.mean);
  }

  /** Mean latency seen so far, in ms (undefined before the first call). */
  meanLatencyMs(): number | undefined {
    return this.mean;
  }

  /** Concurrency that would sustain the quota at the observed latency. */
  suggest(): number {
    const floor = this.options.floor ?? 4;
    if (this.mean === undefined) return floor;
    return Math.max(
      floor,
      defaultConcurrency({
        quotaRps: this.quotaRps,
        expectedLatencyMs: this.mean,
        min: floor,
        max: this.options.max,
      }),
    );
  }
}
