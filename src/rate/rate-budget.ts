import type { Lane } from './waiter-queue.js';

/**
 * A budget of DestroySession calls per second. The engine takes a token before
 * every call (retries included). The local implementation is a sliding-window
 * limiter; a shared one (kept in DynamoDB) holds the total across processes.
 */
export interface RateBudget {
  /** Resolves when one call may be made now; rejects if `signal` aborts first. */
  take(signal?: AbortSignal): Promise<void>;
  /** Reports a RequestLimitExceeded from the server so the budget slows down. */
  onThrottled?(): void;
  /** Reports a call that went through so a slowed budget can recover. */
  onSuccess?(): void;
  /**
   * Reports that a call left `delayMs` after its slot (the last check before
   * the send took that long): a delay beyond the jitter margin widens the
   * spacing for a while, as an event-loop stall does, so late and on-time
   * calls cannot bunch into one server second.
   */
  onSendDelay?(delayMs: number): void;
  /** The rate currently allowed, in calls per second. */
  currentRate(): number;
  /** A view of this budget drawing from `lane`, when it has lanes (the shared budget). */
  lane?(lane: Lane): RateBudget;
}
