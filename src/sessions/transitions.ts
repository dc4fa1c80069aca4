import { DEFAULT_CLASS } from '../policies/session-classes.js';
import type { Session } from './session-store.js';

/**
 * The state machine of a session under activity and disconnects, as pure
 * functions of (current item, event). The store writes their result with a
 * write conditional on the version it read, so each transition is atomic.
 * `undefined` means "no change": an event that is out of date is a no-op,
 * never an error.
 *
 *   (none) --activity--> active --disconnect--> disconnected --activity after it--> active
 *   active|disconnected --claim--> reaping --outcome--> destroyed | failed | (retry: back, in R)
 *   destroyed --activity after destroyedAt--> active (new life: new startedAt, attempts 0)
 *   failed --newer activity--> active (new life)
 *   reaping, lease expired, activity since the claim --next claim--> active (revived)
 */

/** A new life of a session: what a first heartbeat, or a revival, starts. */
const newLife = (userId: string, at: number, version: number): Session => ({
  userId,
  state: 'active',
  lastActiveAt: at,
  startedAt: at,
  attempts: 0,
  version,
});

/** What a new life of a user id keeps from the last one: its class and its exemption. */
const carriedOver = (session: Session): Partial<Session> => {
  const kept: Partial<Session> = {};
  for (const name of ['class', 'exemptUntil', 'exemptReason', 'exemptBy', 'exemptSetAt'] as const) {
    if (session[name] !== undefined) Object.assign(kept, { [name]: session[name] });
  }
  return kept;
};

/** Activity cancels a pending retry: the user is back, so the earlier failure no longer applies. */
const withoutRetry = (session: Session): Session => {
  if (session.nextAttemptAt === undefined) return session;
  const { nextAttemptAt: _next, lastError: _error, firstFailedAt: _first, ...rest } = session;
  return { ...rest, attempts: 0 };
};

/**
 * Activity at `at`. lastActiveAt never moves backwards: activity at or before
 * it changes nothing.
 * - reaping: raises lastActiveAt only. The claim stands and its outcome is
 *   recorded as usual (the destroy may already be under way); after a
 *   `destroyed` outcome the next activity starts a new life.
 * - disconnected: activity after the disconnect means the user came back
 *   (active); older activity (a late heartbeat) only raises lastActiveAt.
 * - destroyed: activity after destroyedAt is a new CAR session (new life);
 *   older activity only raises lastActiveAt.
 * - failed: newer activity starts a new life.
 */
export function applyActivity(
  userId: string,
  current: Session | undefined,
  at: number,
  sessionClass?: string,
): Session | undefined {
  return inClass(current, activityAt(userId, current, at), sessionClass);
}

/**
 * Puts the session that activity leaves (`next`, or `current` when the
 * activity itself changed nothing) in `sessionClass` (`default` clears it).
 * A class is a fact about the session, so it is applied even with a late
 * timestamp.
 */
function inClass(
  current: Session | undefined,
  next: Session | undefined,
  sessionClass: string | undefined,
): Session | undefined {
  const base = next ?? current;
  if (sessionClass === undefined || base === undefined) return next;
  const wanted = sessionClass === DEFAULT_CLASS ? undefined : sessionClass;
  if (base.class === wanted) return next;
  const { class: _previous, ...rest } = base;
  const version = next ? next.version : base.version + 1;
  return wanted === undefined ? { ...rest, version } : { ...rest, class: wanted, version };
}

function activityAt(userId: string, current: Session | undefined, at: number): Session | undefined {
  if (current === undefined) return newLife(userId, at, 1);
  if (at <= current.lastActiveAt) return undefined;
  const version = current.version + 1;
  const raised: Session = { ...current, lastActiveAt: at, version };
  switch (current.state) {
    case 'reaping':
      return raised;
    case 'active':
      return withoutRetry(raised);
    case 'disconnected': {
      if (at <= (current.disconnectedAt ?? Number.NEGATIVE_INFINITY)) return raised;
      const { disconnectedAt: _gone, ...rest } = withoutRetry(raised);
      return { ...rest, state: 'active' };
    }
    case 'destroyed':
      if (at <= (current.destroyedAt ?? Number.NEGATIVE_INFINITY)) return raised;
      return { ...newLife(current.userId, at, version), ...carriedOver(current) };
    case 'failed':
      return { ...newLife(current.userId, at, version), ...carriedOver(current) };
  }
}

/**
 * A disconnect at `at`.
 * - none: a disconnected session (the webhook may be the first we hear of a user).
 * - active: disconnected, unless activity was recorded after `at` (the user
 *   was back by then: a stale disconnect is a no-op).
 * - disconnected: keeps the earliest disconnect at or after the last activity,
 *   so repeated delivery never restarts the grace period.
 * - reaping, destroyed, failed: no-op (the session is being, or was, ended).
 * A pending retry stays pending.
 */
export function applyDisconnect(
  userId: string,
  current: Session | undefined,
  at: number,
): Session | undefined {
  if (current === undefined) {
    return { ...newLife(userId, at, 1), state: 'disconnected', disconnectedAt: at };
  }
  if (at < current.lastActiveAt) return undefined;
  const version = current.version + 1;
  switch (current.state) {
    case 'active':
      return { ...current, state: 'disconnected', disconnectedAt: at, version };
    case 'disconnected':
      if (current.disconnectedAt !== undefined && current.disconnectedAt <= at) return undefined;
      return { ...current, disconnectedAt: at, version };
    default:
      return undefined;
  }
}

/**
 * A released claim (the run stopped before calling CAR) puts the session back
 * as it was before the claim, then replays the activity recorded while it was
 * `reaping`. `previous.version === 0` marks a session the claim created
 * (manual destroy of an unknown user): with no activity since, it goes away.
 * A released takeover puts back the abandoned claim it took over (`reaping`,
 * lease expired), or revives the session if its user is back since.
 */
export function restoreAfterRelease(previous: Session, current: Session): Session | undefined {
  const base = previous.version === 0 ? undefined : previous;
  const hadActivity = current.lastActiveAt > previous.lastActiveAt;
  let restored = base;
  if (hadActivity && base?.state === 'reaping') {
    // A takeover released: the claim it took over was abandoned, and its user is back.
    restored = reviveAbandonedClaim({ ...base, lastActiveAt: current.lastActiveAt });
  } else if (hadActivity) {
    restored = base === undefined ? newLife(current.userId, current.lastActiveAt, 1) : base;
    restored = applyActivity(current.userId, restored, current.lastActiveAt) ?? restored;
  }
  if (restored === undefined) return undefined;
  return { ...restored, userId: current.userId, version: current.version + 1 };
}

/**
 * An abandoned claim (its run died, its lease expired) on a session whose
 * activity was recorded after the claim: the user is back, so the claim ends
 * without a destroy. The session leaves `reaping` for the live state the
 * activity gives: `active` with any pending retry and its failures dropped
 * (as applyActivity does), or still `disconnected` when the activity predates
 * the disconnect (a late heartbeat), where the grace period and any pending
 * retry carry on. lastActiveAt is kept.
 */
export function reviveAbandonedClaim(current: Session): Session {
  const {
    leaseExpiresAt: _lease,
    claimedAt: _claimed,
    sendingAt: _sending,
    ...unclaimed
  } = current;
  const version = current.version + 1;
  if (current.disconnectedAt !== undefined && current.lastActiveAt <= current.disconnectedAt) {
    return { ...unclaimed, state: 'disconnected', version };
  }
  const {
    disconnectedAt: _gone,
    nextAttemptAt: _next,
    lastError: _error,
    firstFailedAt: _first,
    ...rest
  } = unclaimed;
  return { ...rest, state: 'active', attempts: 0, version };
}
