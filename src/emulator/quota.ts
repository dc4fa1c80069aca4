/**
 * Per-action request quota over ANY sliding window: a call arriving at `t` is
 * admitted only if fewer than `limit` admitted calls arrived in `(t - windowMs, t]`.
 * So no window of `windowMs` ever holds more than `limit` admitted calls
 * (the property {@link maxInAnyWindow} measures).
 *
 * Rejected calls do not consume quota: Tencent publishes no rule, and a
 * limiter that counted its own rejections would lock a client that keeps
 * retrying out forever, which is not what CAR clients observe.
 */
export class SlidingWindowQuota {
  readonly #admitted = new Map<string, number[]>();

  constructor(
    private limitOf: (key: string) => number,
    private readonly windowMs = 1000,
  ) {}

  /** Admits (and records) a call at `nowMs` if the window has room. */
  tryTake(key: string, nowMs: number): boolean {
    let times = this.#admitted.get(key);
    if (!times) {
      times = [];
      this.#admitted.set(key, times);
    }
    // Arrivals are recorded in clock order; an injected clock may step back, so
    // count from the end rather than trusting a pruned head.
    let inWindow = 0;
    for (let i = times.length - 1; i >= 0; i--) {
      const at = times[i] as number;
      if (at <= nowMs - this.windowMs) break;
      if (at <= nowMs) inWindow++;
    }
    if (inWindow >= this.limitOf(key)) return false;
    times.push(nowMs);
    if (times.length > 1024) {
      const stale = times.findIndex((at) => at > nowMs - this.windowMs);
      if (stale > 0) times.splice(0, stale);
    }
    return true;
  }

  /** Changes the limits (takes effect for the next call). */
  setLimits(limitOf: (key: string) => number): void {
    this.limitOf = limitOf;
  }

  /** Forgets every admitted call. */
  clear(): void {
    this.#admitted.clear();
  }
}

/**
 * The largest number of `times` (epoch ms) that fall in one window of
 * `windowMs`, i.e. two times share a window when they are less than
 * `windowMs` apart. Pure; the input need not be sorted.
 */
export function maxInAnyWindow(times: readonly number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
