import type { Clock } from '../clock.js';

/** The part of the Lambda context the deadline needs. */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/**
 * Epoch ms after which a run claims no new work: the invocation's remaining
 * time less `marginMs`, the time in-flight calls need to finish and record
 * their outcomes before Lambda stops the process. Never before `now`.
 */
export function deadlineFrom(context: RemainingTime, marginMs: number, clock: Clock): number {
  const now = clock();
  return now + Math.max(0, context.getRemainingTimeInMillis() - marginMs);
}
