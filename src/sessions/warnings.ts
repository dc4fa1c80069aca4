import type { ClassThresholds, Session, WarnReason } from './session-store.js';
import { isExemptAt } from './session-store.js';

/** The rules one session is judged by, with the store's activity resolution. */
export interface WarnPolicy extends ClassThresholds {
  /** Unwritten activity may be this much newer than lastActiveAt. @default 0 */
  activityResolutionMs?: number;
}

/**
 * Whether the session was warned in its current idle period: a warning
 * recorded at or after its last activity. Activity after a warning starts a
 * new period, in which it may be warned once more.
 */
export const warnedThisPeriod = (session: Session): boolean =>
  session.warnedAt !== undefined && session.warnedAt >= session.lastActiveAt;

/**
 * When the session becomes due under `policy`, and for which rule (the
 * earliest); undefined when no rule applies (a claim, a retry pending). The
 * idle rule waits out the activity resolution, as the reap search does.
 * `session.lastActiveAt` must be the item's own (not an index mark).
 */
export function dueAtOf(
  session: Session,
  policy: WarnPolicy,
): { at: number; reason: WarnReason } | undefined {
  if (session.state !== 'active' && session.state !== 'disconnected') return undefined;
  if (session.nextAttemptAt !== undefined) return undefined;
  const idleFor = policy.idleTimeoutMs + (policy.activityResolutionMs ?? 0);
  const rules: { at: number; reason: WarnReason }[] = [
    { at: session.lastActiveAt + idleFor, reason: 'idle' },
  ];
  if (session.state === 'disconnected' && session.disconnectedAt !== undefined) {
    rules.push({ at: session.disconnectedAt + policy.disconnectGraceMs, reason: 'disconnected' });
  }
  if (policy.maxAgeMs > 0) {
    rules.push({ at: session.startedAt + policy.maxAgeMs, reason: 'max-age' });
  }
  return rules.reduce((first, rule) => (rule.at < first.at ? rule : first));
}

/**
 * The warning a session needs at `now`: it is due within `policy.warnMs`
 * (or already due), not warned in this idle period and not exempt. `dueAt`
 * is the earliest time it may be reaped: its due time, and never sooner
 * than `warnMs` after the warning.
 */
export function warningFor(
  session: Session,
  policy: WarnPolicy,
  now: number,
): { reason: WarnReason; dueAt: number } | undefined {
  const warnMs = policy.warnMs ?? 0;
  if (warnMs <= 0 || warnedThisPeriod(session) || isExemptAt(session, now)) return undefined;
  const due = dueAtOf(session, policy);
  if (due === undefined || due.at > now + warnMs) return undefined;
  return { reason: due.reason, dueAt: Math.max(due.at, now + warnMs) };
}
