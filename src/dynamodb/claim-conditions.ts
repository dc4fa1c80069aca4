import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Claim, Outcome } from '../sessions/session-store.js';
import { claimTokenOf, type Item, itemToSession } from './item-mapping.js';

const N = (value: number): AttributeValue => ({ N: String(value) });
const S = (value: string): AttributeValue => ({ S: value });

/**
 * "Still holding the claim": same claimant and token, still `reaping`. Not the
 * version: activity recorded while reaping bumps it, and must not make the
 * outcome of a destroy already under way unrecordable.
 */
export function holdsClaimCondition(claim: Claim): {
  condition: string;
  values: Record<string, AttributeValue>;
} {
  const values: Record<string, AttributeValue> = {
    ':claimant': S(claim.claimant),
    ':reaping': S('reaping'),
  };
  // Claims made by this store always carry a token; without one, the lease end identifies the claim.
  if (claim.token !== undefined) values[':token'] = S(claim.token);
  else values[':claimLease'] = N(claim.leaseExpiresAt);
  const identity =
    claim.token !== undefined ? 'claimToken = :token' : 'leaseExpiresAt = :claimLease';
  return { condition: `${identity} AND reapedBy = :claimant AND #state = :reaping`, values };
}

/**
 * Whether the item already shows this claim's outcome: a repeated call (the
 * SDK retried a write that had succeeded) is then a no-op, not a lost claim.
 */
export function alreadyRecorded(claim: Claim, outcome: Outcome, item: Item | undefined): boolean {
  if (outcome.kind === 'released' && item === undefined) return claim.previous.version === 0;
  if (item === undefined || claim.token === undefined || claimTokenOf(item) !== claim.token) {
    return false;
  }
  const current = itemToSession(item);
  switch (outcome.kind) {
    case 'destroyed':
    case 'failed':
      return current.state === outcome.kind;
    case 'retry':
      return current.nextAttemptAt === outcome.nextAttemptAt && current.state !== 'reaping';
    case 'released':
      return current.state !== 'reaping';
  }
}
