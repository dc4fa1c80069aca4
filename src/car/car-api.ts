/**
 * The port the reaper core depends on for Tencent CAR. The implementation on
 * tencentcloud-sdk-nodejs lives beside it; unit tests use an in-memory fake.
 */

/**
 * How the caller should react to a failure, from ONE classification table:
 * - `gone`: the session no longer exists or is already being destroyed
 *   (`ResourceNotFound.SessionNotFound`, `UnsupportedOperation.Stopping`):
 *   the seat is free or being freed, which is what a destroy is for.
 * - `busy`: a request for this UserId is in progress (`FailedOperation.SlowDown`); retry soon.
 * - `throttled`: RequestLimitExceeded*; slow down and retry.
 * - `retryable`: transient (InternalError, network, timeouts, 5xx...); retry with backoff.
 * - `auth`: credentials are wrong or the clock is skewed; stop the run.
 * - `terminal`: the request itself is wrong; retrying will not help.
 */
export type CarErrorClass = 'gone' | 'busy' | 'throttled' | 'retryable' | 'auth' | 'terminal';

export interface CarFailure {
  class: CarErrorClass;
  /** CAR's error code (e.g. `InternalError`), or a local one (`NetworkError`, `Timeout`). */
  code: string;
  /** Human-readable message, never containing secrets. */
  message: string;
  requestId?: string;
  httpStatus?: number;
  /**
   * Set when the code is not in the classification table: it is treated as
   * `retryable` (retried across runs until GIVE_UP_AFTER_SECONDS).
   */
  unknown?: boolean;
}

export type CarResult<T> = { ok: true; value: T } | { ok: false; error: CarFailure };

export interface ConcurrentCount {
  running: number;
  total: number;
  requestId?: string;
}

export interface CarApi {
  /** Ends the CAR session of `userId`. An unknown UserId counts as done. */
  destroySession(userId: string): Promise<CarResult<{ requestId?: string }>>;
  /** Running and total concurrency seats (its own quota: 20/s). */
  describeConcurrentCount(): Promise<CarResult<ConcurrentCount>>;
  /**
   * Gets ready so that a call goes out as soon as it is made: loads the
   * client, resolves the credentials. The engine awaits it before taking
   * its first rate token, so that no slot passes while a call waits for
   * these (calls held up that way would leave together, bunched). Never
   * rejects: a problem shows on the call itself.
   */
  prepare?(): Promise<void>;
  /**
   * Throws when no call could ever be made (missing credentials): a run that
   * is not a dry run asks before it claims anything.
   */
  ensureReady?(): Promise<void>;
}
