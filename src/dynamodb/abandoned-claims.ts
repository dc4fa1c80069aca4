import type { ClaimResult } from '../sessions/session-store.js';
import { reviveAbandonedClaim } from '../sessions/transitions.js';
import { MAX_WRITE_ROUNDS, replaceIfUnchanged } from './conditional-write.js';
import { claimTokenOf, type Item, itemToSession, sessionToItem } from './item-mapping.js';
import type { StoreContext } from './store-context.js';

const versionOf = (item: Item, name: string): number | undefined => {
  const raw = item[name]?.N;
  return raw === undefined ? undefined : Number(raw);
};

/**
 * Whether an item is a claim abandoned while its user came back: `reaping`,
 * lease ended before `now`, and written since the claim (only activity writes
 * a `reaping` item besides its claimant, so a version above the one the claim
 * wrote means activity was recorded after it).
 */
export function isAbandonedAfterActivity(item: Item | undefined, now: number): item is Item {
  if (item?.state?.S !== 'reaping') return false;
  const lease = versionOf(item, 'leaseExpiresAt');
  const claimVersion = versionOf(item, 'claimVersion');
  const version = versionOf(item, 'version');
  if (lease === undefined || claimVersion === undefined || version === undefined) return false;
  return lease < now && version > claimVersion;
}

/**
 * A takeover refused because the user is back since the abandoned claim:
 * returns the session to life (reviveAbandonedClaim: no longer `reaping`, out
 * of the L family of the due index, back among live sessions), each round
 * conditional on the version read. The takeover is `lost` either way, so the
 * run skips the session. If the item keeps changing, it is left as it is: it
 * is still an abandoned claim with activity since, and the next run revives it.
 *
 * Timeline of the race it closes:
 *   t0 run A claims idle session (version 7)   t1 run A dies before calling CAR
 *   t2 user is back: activity, version 8       t3 A's lease ends
 *   t4 run B takes over "if version = claimVersion (7)" -> fails: revived here
 */
export async function reviveAfterTakeoverRefused(
  context: StoreContext,
  first: Item,
  now: number,
): Promise<ClaimResult> {
  let item: Item | undefined = first;
  for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
    if (!isAbandonedAfterActivity(item, now)) break;
    const current = itemToSession(item);
    const revived = reviveAbandonedClaim(current);
    // The abandoned claim's token stays, so a late `released` from its run is recognised as done.
    const next = sessionToItem(revived, { claimToken: claimTokenOf(item) }, now);
    const result = await replaceIfUnchanged(
      context,
      current.userId,
      next,
      current.version,
      'PutItem (revive abandoned claim)',
    );
    if (result.written) return { status: 'lost', current: revived };
    item = result.current;
  }
  return { status: 'lost', current: item ? itemToSession(item) : undefined };
}
