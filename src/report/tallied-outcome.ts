import type { RecordedOutcome } from '../reaper/outcome-tally.js';
import { type ReapReason, reapCauseOf } from './reap-reason.js';

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
