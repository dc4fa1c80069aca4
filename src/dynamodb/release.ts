import { ClaimLostError } from '../errors.js';
import type { Claim, Session } from '../sessions/session-store.js';
import { restoreAfterRelease } from '../sessions/transitions.js';
import { alreadyRecorded, holdsClaimCondition } from './claim-conditions.js';
import { MAX_WRITE_ROUNDS, replaceIfUnchanged, tooMuchContention } from './conditional-write.js';
import { claimTokenOf, type Item, itemToSession, sessionToItem } from './item-mapping.js';
import type { StoreContext } from './store-context.js';

/**
 * `released`: the run stopped before calling CAR, so the session goes back to
 * where it was before the claim, with any activity recorded while it was
 * reaping replayed on top (see restoreAfterRelease). A read-modify-write on
 * the version, conditional on still holding the claim. The first round
 * assumes nothing happened since the claim (the common case: one write).
 */
export async function releaseClaim(context: StoreContext, claim: Claim, at: number): Promise<void> {
  const holds = holdsClaimCondition(claim);
  let current: Session = {
    ...claim.previous,
    userId: claim.userId,
    state: 'reaping',
    version: claim.version,
  };
  for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
    const restored = restoreAfterRelease(claim.previous, current);
    // The token stays on the restored item so a repeated release is recognised as done.
    // A released takeover puts back an abandoned claim with nothing written since it.
    const claimVersion = restored?.state === 'reaping' ? restored.version : undefined;
    const extras = { failedAt: at, claimToken: claim.token, claimVersion };
    const item = restored ? sessionToItem(restored, extras, at) : undefined;
    const result = await replaceIfUnchanged(
      context,
      claim.userId,
      item,
      current.version,
      'PutItem (release claim)',
      { condition: holds.condition, names: { '#state': 'state' }, values: holds.values },
    );
    if (result.written) return;
    if (!stillHeld(claim, result.current)) {
      if (alreadyRecorded(claim, { kind: 'released', at }, result.current)) return;
      throw new ClaimLostError(
        claim.userId,
        result.current ? itemToSession(result.current) : undefined,
      );
    }
    current = itemToSession(result.current as Item);
  }
  throw tooMuchContention(claim.userId, 'release');
}

function stillHeld(claim: Claim, item: Item | undefined): item is Item {
  if (item === undefined) return false;
  const session = itemToSession(item);
  if (session.state !== 'reaping' || session.reapedBy !== claim.claimant) return false;
  return claim.token !== undefined
    ? claimTokenOf(item) === claim.token
    : session.leaseExpiresAt === claim.leaseExpiresAt;
}
