import type { Trigger } from '../reaper/types.js';
import type { Claim, DueReason, Outcome } from '../sessions/session-store.js';
import { type DuePolicy, type ReapReason, reapCauseOf } from './reap-reason.js';

/** One final outcome as the report counts it. */
export interface TalliedOutcome {
  kind: 'destroyed' | 'failed';
  /** When the outcome was recorded (epoch ms). */
  at: number;
  reason: ReapReason;
  /** Destroyed: CAR said the session was already gone or ending. */
  alreadyGone: boolean;
  /** Destroyed: seat time paid for after the last activity, `destroyedAt - lastActiveAt`. */
  idleSeatMs?: number;
  /** From becoming due to the outcome; absent for a manual destroy. */
  timeToReapMs?: number;
}

/** What the engine knows about an outcome it has just recorded. */
export interface RecordedOutcome {
  claim: Claim;
  outcome: Outcome;
  /** The rule that found the session; absent for a named destroy. */
  candidateReason?: DueReason;
  trigger: Trigger;
  policy: DuePolicy;
}

/** The report's view of a recorded outcome; undefined for retries and releases (not final). */
export function talliedOutcomeOf(recorded: RecordedOutcome): TalliedOutcome | undefined {
  const { claim, outcome } = recorded;
  if (outcome.kind !== 'destroyed' && outcome.kind !== 'failed') return undefined;
  const cause = reapCauseOf({
    session: claim.previous,
    candidateReason: recorded.candidateReason,
    trigger: recorded.trigger,
    policy: recorded.policy,
    at: outcome.at,
  });
  const tallied: TalliedOutcome = {
    kind: outcome.kind,
    at: outcome.at,
    reason: cause.reason,
    // Outcomes that carry it say whether CAR reported the session gone already.
    alreadyGone: (outcome as { alreadyGone?: unknown }).alreadyGone === true,
  };
  if (cause.dueAt !== undefined) tallied.timeToReapMs = Math.max(0, outcome.at - cause.dueAt);
  if (outcome.kind === 'destroyed') {
    tallied.idleSeatMs = Math.max(0, outcome.at - claim.previous.lastActiveAt);
  }
  return tallied;
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
