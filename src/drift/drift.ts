/**
 * Drift: CAR's Running seats against the sessions the table holds live. CAR
 * cannot list sessions, so a session created but never recorded (a backend
 * bug, a crash between CreateSession and the first heartbeat) is invisible to
 * the reaper; the difference between the two counts is the only sign of it.
 */
export interface Drift {
  /** CAR's DescribeConcurrentCount `Running`. */
  carRunning: number;
  /** Sessions the table holds live: active, disconnected, reaping. */
  tracked: number;
  /** `max(0, carRunning - tracked)`: seats CAR holds that the reaper does not know of. */
  untracked: number;
}

/** Live sessions in the table by what the reaper is doing with them. */
export interface LiveSessionCounts {
  active: number;
  disconnected: number;
  reaping: number;
  /** Active or disconnected sessions waiting for a retry of a failed DestroySession. */
  retryPending: number;
  /** active + disconnected + reaping. */
  tracked: number;
}

/** The drift of a Running count against a tracked count. */
export const driftOf = (carRunning: number, tracked: number): Drift => ({
  carRunning,
  tracked,
  untracked: Math.max(0, carRunning - tracked),
});
