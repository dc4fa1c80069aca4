import type { Claim, ClassThresholds, DueReason, Outcome } from '../sessions/session-store.js';
import type { Trigger } from './types.js';

/** What the engine knows about an outcome it has just recorded. */
export interface RecordedOutcome {
  claim: Claim;
  outcome: Outcome;
  /** The rule that found the session; absent for a named destroy. */
  candidateReason?: DueReason;
  trigger: Trigger;
  /** The thresholds the session was judged by. */
  policy: ClassThresholds;
}

/**
 * Counts final outcomes for the report. Implementations never throw: a count
 * that cannot be written is logged, and the outcome itself is never affected.
 */
export interface OutcomeTally {
  count(recorded: RecordedOutcome): Promise<void>;
  /** Writes what is still held in memory (the engine calls it as each run ends). */
  flush?(): Promise<void>;
}
