/**
 * Names the store's code shares with infra/sessions-table.yml. The table itself
 * (keys, indexes, projections, TTL) is defined only in that file; these
 * constants are the names the code uses to address it, and a unit test checks
 * that the file defines them.
 */

/** Sparse GSI over every session the reaper may have to act on (partition `dueShard`, sort `dueAt`). */
export const DUE_INDEX = 'due';
/** Sparse, KEYS_ONLY GSI over live sessions by `startedAt` (partition `ageShard`), for the max-age rule. */
export const AGE_INDEX = 'age';
/** The TTL attribute: epoch **seconds**, set on destroyed and failed items only. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** How long a destroyed item stays before TTL removes it. @default 7 days */
export const DESTROYED_RETENTION_MS = 7 * 24 * 3600 * 1000;
/** How long a failed item stays (operators need time to look at it). @default 30 days */
export const FAILED_RETENTION_MS = 30 * 24 * 3600 * 1000;
