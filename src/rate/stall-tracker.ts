/** How long a stall keeps widening the margin. */
const STALL_MEMORY_MS = 10_000;
/** The widest a stall makes the margin (the rate then stays above 80% of the quota). */
const MAX_STALL_MARGIN_MS = 250;

/**
 * Event-loop stalls, seen as a pump's timer firing late or a call leaving
 * late after its slot. Calls granted just before a stall leave when it ends,
 * bunched with those granted after it, so for a while the spacing margin is
 * the worst recent stall instead of the base one.
 */
export class StallTracker {
  private worstMs = 0;
  private at = Number.NEGATIVE_INFINITY;

  constructor(private readonly baseMarginMs: number) {}

  /** Something due `lateMs` before `now` happened at `now`. */
  note(lateMs: number, now: number): void {
    if (lateMs <= this.baseMarginMs) return;
    if (now - this.at >= STALL_MEMORY_MS || lateMs > this.worstMs) this.worstMs = lateMs;
    this.at = now;
  }

  /** The margin to space calls by at `now`: the base one, or the worst recent stall (capped). */
  marginMs(now: number): number {
    const recent = now - this.at < STALL_MEMORY_MS ? this.worstMs : 0;
    return Math.max(this.baseMarginMs, Math.min(MAX_STALL_MARGIN_MS, recent));
  }
}
