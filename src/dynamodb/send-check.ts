import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { Claim, SendCheck } from '../sessions/session-store.js';
import { holdsClaimCondition } from './claim-conditions.js';
import { claimTokenOf, type Item, itemToSession } from './item-mapping.js';
import type { StoreContext } from './store-context.js';
import { isConditionalCheckFailed } from './store-errors.js';

/**
 * The last check before a DestroySession: marks the claim `sendingAt` only if
 * the item is still at the version the claim (or its previous check) wrote,
 * that is, no activity was recorded since. Timeline of the race it closes:
 *   t0 run claims idle session (version 7)     t1 claim waits for a rate slot
 *   t2 user is back: activity, version 8       t3 slot: "sending if version = 7"
 *   -> fails: no DestroySession, the claim is released and the session is live
 * The window left is this write's round trip plus the call's way out: activity
 * recorded in it cannot stop a call already on the wire.
 * The write also moves `claimVersion`, so a run taking over this claim after a
 * crash sees activity recorded after the send, not only after the claim.
 */
export async function markClaimSending(
  context: StoreContext,
  claim: Claim,
  at: number,
): Promise<SendCheck> {
  const holds = holdsClaimCondition(claim);
  try {
    await context.client.send(
      new UpdateItemCommand({
        TableName: context.tableName,
        Key: { userId: { S: claim.userId } },
        UpdateExpression:
          'SET sendingAt = :at, version = version + :one, claimVersion = version + :one',
        ConditionExpression: `${holds.condition} AND version = :checked`,
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ...holds.values,
          ':at': { N: String(at) },
          ':one': { N: '1' },
          ':checked': { N: String(claim.version) },
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) {
      throw await context.translate(error, 'UpdateItem (send check)');
    }
    const item = (error as { Item?: Item }).Item;
    if (!heldBy(claim, item)) return { status: 'lost', current: item && itemToSession(item) };
    const current = itemToSession(item);
    // The SDK repeated a write that had gone through: the item shows this very check.
    if (current.sendingAt === at && current.version === claim.version + 1) {
      return { status: 'clear', claim: { ...claim, version: current.version } };
    }
    return { status: 'returned', current };
  }
  return { status: 'clear', claim: { ...claim, version: claim.version + 1 } };
}

function heldBy(claim: Claim, item: Item | undefined): item is Item {
  if (item === undefined) return false;
  const session = itemToSession(item);
  if (session.state !== 'reaping' || session.reapedBy !== claim.claimant) return false;
  return claim.token !== undefined
    ? claimTokenOf(item) === claim.token
    : session.leaseExpiresAt === claim.leaseExpiresAt;
}
