/**
 * When a shared budget draws on its local share instead of the timeline:
 * after a failed write, for a while that doubles with each failure up to a
 * cap, and back to the first wait once a write goes through.
 */
export class FallbackWindow {
  private until = Number.NEGATIVE_INFINITY;
  private retryMs: number;

  constructor(
    private readonly firstRetryMs: number,
    private readonly maxRetryMs: number,
  ) {
    this.retryMs = firstRetryMs;
  }

  active(now: number): boolean {
    return now < this.until;
  }

  /** A write failed at `now`: whether that starts a fallback, and when the timeline is tried again. */
  enter(now: number): { started: boolean; retryInMs: number } {
    const started = !this.active(now);
    const retryInMs = this.retryMs;
    this.until = now + retryInMs;
    this.retryMs = Math.min(this.maxRetryMs, retryInMs * 2);
    return { started, retryInMs };
  }

  /** A write went through: whether it ends a run of failures. */
  leave(): boolean {
    if (this.retryMs === this.firstRetryMs) return false;
    this.retryMs = this.firstRetryMs;
    return true;
  }
}
