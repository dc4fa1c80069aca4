import type { DueReason, FindCandidatesOptions, Session } from './session-store.js';
import type { DueFamily } from './shard.js';

/** One family of the due index and the key range (and filter) that selects its due sessions. */
export interface DueQuery {
  family: DueFamily;
  /** `dueAt <= value` or, for leases, `dueAt < value` (a lease is expired strictly after its end). */
  operator: '<=' | '<';
  value: number;
  /**
   * For the D family when the grace rule reaches further back than the idle
   * rule: keep an entry only if `dueAt` (its lastActiveAt) is at or before
   * `idleCutoff` or its `disconnectedAt` at or before `graceCutoff`. Applied
   * to what the Query returns (DynamoDB filters cannot name a sort key).
   */
  filter?: { idleCutoff: number; graceCutoff: number };
}

/**
 * The cut-off times of one search: a session last active at or before `idle`
 * is idle, and so on. The idle cut-off allows for the activity resolution:
 * activity up to that much newer than `lastActiveAt` may have gone unwritten,
 * so a session is idle once `lastActiveAt + idleTimeout + resolution` has
 * passed. It is then idle for at least the idle timeout, and at most the
 * resolution longer when found.
 */
export interface Cutoffs {
  now: number;
  idle: number;
  grace: number;
  /** Undefined when the max-age rule is off. */
  age?: number;
}

export const cutoffsOf = (options: FindCandidatesOptions): Cutoffs => ({
  now: options.now,
  idle: options.now - options.idleTimeoutMs - (options.activityResolutionMs ?? 0),
  grace: options.now - options.disconnectGraceMs,
  age: options.maxAgeMs > 0 ? options.now - options.maxAgeMs : undefined,
});

/**
 * The queries of one search, most urgent family first (abandoned claims, then
 * retries, then disconnected, then idle). Thresholds come per call, so the
 * index stores facts (times), never precomputed due times.
 *
 * Active sessions (A) are keyed by an activity mark that lags lastActiveAt
 * by less than the store's index step (activity within the step moves
 * lastActiveAt only, off the index). The range `mark <= idle` holds every
 * idle one, plus those that went quiet within the last step: each search
 * hands those out too, marked with the idle cut-off, and their claim, which
 * re-checks lastActiveAt, refuses them. A user still heartbeating (every h)
 * is never read while the step plus h is at most the idle timeout.
 *
 * Disconnected sessions (D) are keyed by lastActiveAt, and the store keeps
 * lastActiveAt <= disconnectedAt for them. Due means "idle" (lastActiveAt <=
 * idle cutoff) or "past the grace" (disconnectedAt <= grace cutoff, which
 * implies lastActiveAt <= grace cutoff). So the range lastActiveAt <=
 * max(idle, grace) holds every due one; when the grace cutoff is the later of
 * the two, the filter drops those neither idle nor past the grace: sessions
 * that disconnected within the grace period after a long quiet spell. Those
 * are the only non-due D items a search reads, and each becomes due within the
 * grace period. With grace >= idle timeout the range is exact. (The filter
 * reads the sort key, lastActiveAt for D, so it is applied to what the Query
 * returns.)
 */
export function dueQueries(cutoffs: Cutoffs): DueQuery[] {
  const disconnected: DueQuery =
    cutoffs.grace > cutoffs.idle
      ? {
          family: 'D',
          operator: '<=',
          value: cutoffs.grace,
          filter: { idleCutoff: cutoffs.idle, graceCutoff: cutoffs.grace },
        }
      : { family: 'D', operator: '<=', value: cutoffs.idle };
  return [
    { family: 'L', operator: '<', value: cutoffs.now },
    { family: 'R', operator: '<=', value: cutoffs.now },
    disconnected,
    { family: 'A', operator: '<=', value: cutoffs.idle },
  ];
}

/** Whether an entry a family's query returned is due (see {@link DueQuery.filter}). */
export const passesFilter = (query: DueQuery, dueAt: number, session: Session): boolean =>
  query.filter === undefined ||
  dueAt <= query.filter.idleCutoff ||
  (session.disconnectedAt !== undefined && session.disconnectedAt <= query.filter.graceCutoff);

/** Why a session returned by a family's query is due. */
export function reasonFor(family: DueFamily, session: Session, cutoffs: Cutoffs): DueReason {
  switch (family) {
    case 'L':
      return 'lease-expired';
    case 'R':
      return 'retry';
    case 'A':
      return 'idle';
    case 'D':
      return session.disconnectedAt !== undefined && session.disconnectedAt <= cutoffs.grace
        ? 'disconnected'
        : 'idle';
  }
}

/** Whether a session fetched through the age index is still due for its age (and nothing else is pending). */
export const dueForAge = (session: Session, cutoffs: Cutoffs): boolean =>
  cutoffs.age !== undefined &&
  (session.state === 'active' || session.state === 'disconnected') &&
  session.nextAttemptAt === undefined &&
  session.startedAt <= cutoffs.age;
