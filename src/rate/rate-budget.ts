import type { Lane } from './waiter-queue.js';

/**
 * A slot granted by a budget that counts each call when it leaves: a call
 * that leaves after its grant (its last check took a while) is counted at
 * that moment instead, so the budget's windows hold what the server will see.
 */
export interface SlotGrant {
  /** The call went out at `at` (epoch ms). */
  depart(at: number): void;
}

/**
 * A budget of DestroySession calls per second. The engine takes a token before
 * every call (retries included). The local implementation is a sliding-window
 * limiter; a shared one (kept in DynamoDB) holds the total across processes.
 */
export interface RateBudget {
  /**
   * Resolves when one call may be made now, with a {@link SlotGrant} when the
   * budget wants to know when the call actually leaves; rejects if `signal`
   * aborts first.
   */
  take(signal?: AbortSignal): Promise<SlotGrant | undefined>;
  /** Reports a RequestLimitExceeded from the server so the budget slows down. */
  onThrottled?(): void;
  /** Reports a call that went through so a slowed budget can recover. */
  onSuccess?(): void;
  /**
   * Reports that a call left `delayMs` after its slot (the last check before
   * the send took that long), for a grant without `depart`: a delay beyond
   * the jitter margin widens the spacing for a while, as an event-loop stall
   * does, so late and on-time calls cannot bunch into one server second.
   */
  onSendDelay?(delayMs: number): void;
  /** The rate currently allowed, in calls per second. */
  currentRate(): number;
  /** A view of this budget drawing from `lane`, when it has lanes (the shared budget). */
  lane?(lane: Lane): RateBudget;
}
