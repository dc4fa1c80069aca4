/** The longest a check may start ahead of its slot: an early check leaves at most this window. */
export const MAX_CHECK_LEAD_MS = 50;
const SAMPLES = 32;

/**
 * How long before its rate slot a call's last check (SessionStore.markSending)
 * starts, so that the call still leaves at its slot: the 90th percentile of
 * the recent checks, at most {@link MAX_CHECK_LEAD_MS}. A check that ends
 * early waits for the slot; one that ends late is told to the budget.
 */
export class CheckLead {
  private readonly recent: number[] = [];
  private next = 0;

  /** Records how long a check took. */
  observe(ms: number): void {
    if (!(ms >= 0)) return;
    if (this.recent.length < SAMPLES) this.recent.push(ms);
    else this.recent[this.next] = ms;
    this.next = (this.next + 1) % SAMPLES;
  }

  /** The lead to ask the budget for, in ms (0 before any check was seen). */
  current(): number {
    if (this.recent.length === 0) return 0;
    const sorted = [...this.recent].sort((a, b) => a - b);
    const p90 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))] as number;
    return Math.min(MAX_CHECK_LEAD_MS, Math.ceil(p90));
  }
}
