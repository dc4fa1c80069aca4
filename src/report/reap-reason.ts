import type { Trigger } from '../reaper/types.js';
import type { DueReason, Session } from '../sessions/session-store.js';

/** Why a session was reaped, as the report counts it. */
export type ReapReason = 'idle' | 'disconnected' | 'maxAge' | 'manual';

export const REAP_REASONS: readonly ReapReason[] = ['idle', 'disconnected', 'maxAge', 'manual'];

/** The rules a run applied (its per-run overrides included), in ms. */
export interface DuePolicy {
  idleTimeoutMs: number;
  disconnectGraceMs: number;
  /** 0: no age cap. */
  maxAgeMs: number;
}

/** The reason of a reap and the moment the session became due by it (none for a manual destroy). */
export interface ReapCause {
  reason: ReapReason;
  dueAt?: number;
}

/** When each rule made (or will make) the session due. */
function dueTimes(session: Session, policy: DuePolicy): ReapCause[] {
  const causes: ReapCause[] = [
    { reason: 'idle', dueAt: session.lastActiveAt + policy.idleTimeoutMs },
  ];
  if (session.disconnectedAt !== undefined) {
    causes.push({
      reason: 'disconnected',
      dueAt: session.disconnectedAt + policy.disconnectGraceMs,
    });
  }
  if (policy.maxAgeMs > 0) {
    causes.push({ reason: 'maxAge', dueAt: session.startedAt + policy.maxAgeMs });
  }
  return causes;
}

const causeOf = (session: Session, policy: DuePolicy, reason: ReapReason): ReapCause =>
  dueTimes(session, policy).find((cause) => cause.reason === reason) ?? { reason };

/**
 * Why the engine reaped `session` (as it was just before the claim) and when
 * it became due. A candidate found by a rule carries that rule. A retry or a
 * taken-over claim no longer says which rule made it due, so the rule that
 * came due first (and had come due by `at`) is taken; if none had, the session
 * was named by an operator: `manual`. A named destroy from the disconnect
 * webhook (grace 0) counts as `disconnected`, due at the disconnect: the user
 * did leave; `destroy` and manual payloads count as `manual`, with no due time.
 */
export function reapCauseOf(input: {
  session: Session;
  candidateReason?: DueReason;
  trigger: Trigger;
  policy: DuePolicy;
  at: number;
}): ReapCause {
  const { session, candidateReason, trigger, policy, at } = input;
  switch (candidateReason) {
    case 'idle':
      return causeOf(session, policy, 'idle');
    case 'disconnected':
      return causeOf(session, policy, 'disconnected');
    case 'max-age':
      return causeOf(session, policy, 'maxAge');
    case undefined:
      if (trigger === 'webhook' && session.disconnectedAt !== undefined) {
        return { reason: 'disconnected', dueAt: session.disconnectedAt };
      }
      if (trigger !== 'schedule') return { reason: 'manual' };
      break;
  }
  const due = dueTimes(session, policy)
    .filter((cause) => cause.dueAt !== undefined && cause.dueAt <= at)
    .sort((a, b) => (a.dueAt ?? 0) - (b.dueAt ?? 0));
  return due[0] ?? { reason: 'manual' };
}
