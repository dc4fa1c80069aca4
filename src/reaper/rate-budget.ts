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
  /** The rate currently allowed, in calls per second. */
  currentRate(): number;
}
