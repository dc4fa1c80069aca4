import { DEFAULT_CLASS } from '../policies/session-classes.js';
import type { Claim, Outcome } from '../sessions/session-store.js';
import { makeEvent, type ReaperEvent } from './reaper-events.js';
import type { ReapSummary } from './types.js';

/** The event of a recorded outcome: `session.destroyed`, `session.failed`, or none. */
export function outcomeEvent(claim: Claim, outcome: Outcome): ReaperEvent | undefined {
  // The reason the item records: the first claim's, kept through retries and takeovers.
  const base = {
    userId: claim.userId,
    class: claim.previous.class ?? DEFAULT_CLASS,
    reason: claim.reason,
  };
  switch (outcome.kind) {
    case 'destroyed':
      return makeEvent(
        'session.destroyed',
        {
          ...base,
          destroyedAt: new Date(outcome.at).toISOString(),
          alreadyGone: outcome.alreadyGone === true,
          requestId: outcome.requestId ?? null,
        },
        outcome.at,
      );
    case 'failed':
      return makeEvent(
        'session.failed',
        { ...base, error: outcome.error, attempts: outcome.attempts ?? claim.attempts + 1 },
        outcome.at,
      );
    default:
      return undefined;
  }
}

/** `reap.completed`: the run's summary (a dry run's list of user ids left out). */
export function completedEvent(summary: ReapSummary, at: number): ReaperEvent {
  const { wouldDestroy: _, wouldDestroySessions: __, ...data } = summary;
  return makeEvent('reap.completed', data as Record<string, unknown>, at);
}
