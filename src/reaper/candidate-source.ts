import type { Candidate, ClaimResult, SessionStore } from '../sessions/session-store.js';

/** One unit of work: a due session as read, or a user id named for a manual destroy. */
export type WorkItem =
  | { userId: string; candidate: Candidate }
  | { userId: string; candidate?: undefined };

/**
 * Due sessions one at a time, pulled page by page: the next page is read only
 * when the run asks for more, so at most one page is held here. Breaking out
 * of the loop closes the store's iterator (no further reads).
 */
export async function* storeCandidates(
  store: SessionStore,
  options: Parameters<SessionStore['findCandidates']>[0],
): AsyncGenerator<WorkItem> {
  for await (const page of store.findCandidates(options)) {
    for (const candidate of page) yield { userId: candidate.session.userId, candidate };
  }
}

/** Named user ids as work items (manual destroy). */
export async function* namedUsers(userIds: readonly string[]): AsyncGenerator<WorkItem> {
  for (const userId of userIds) yield { userId };
}

/**
 * Claims a work item: a due session conditional on it being as read, or a
 * named user id (`onlyDisconnected`: only if still disconnected, the
 * webhook's immediate destroy). `warnedBy`: the claim also requires a warning
 * recorded at or before that time.
 */
export function claimWorkItem(
  store: SessionStore,
  item: WorkItem,
  claim: { now: number; leaseMs: number; claimant: string; sending?: boolean },
  { onlyDisconnected, warnedBy }: { onlyDisconnected?: boolean; warnedBy?: number } = {},
): Promise<ClaimResult> {
  const options = {
    ...claim,
    ...(item.candidate
      ? { reason: item.candidate.reason }
      : onlyDisconnected
        ? { reason: 'disconnected' as const, onlyDisconnected: true }
        : {}),
    ...(warnedBy === undefined ? {} : { warnedBy }),
  };
  return item.candidate
    ? store.claim(item.candidate.session, options)
    : store.claimByUserId(item.userId, options);
}
