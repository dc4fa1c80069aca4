import { type AttributeValue, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ClaimLostError } from '../errors.js';
import type { Claim, Outcome, Session, SessionState } from '../sessions/session-store.js';
import { shardKey, shardOf } from '../sessions/shard.js';
import { alreadyRecorded, holdsClaimCondition } from './claim-conditions.js';
import { destroyedExpiresAt, failedExpiresAt, type Item, itemToSession } from './item-mapping.js';
import { releaseClaim } from './release.js';
import type { StoreContext } from './store-context.js';
import { isConditionalCheckFailed } from './store-errors.js';

const N = (value: number): AttributeValue => ({ N: String(value) });
const S = (value: string): AttributeValue => ({ S: value });

/** Longest `lastError` kept; longer messages are cut, never refused (an outcome is never dropped). */
export const MAX_ERROR_LENGTH = 1000;

const errorText = (error: string): string =>
  error.length === 0 ? '(no message)' : error.slice(0, MAX_ERROR_LENGTH);

/** The live state a retry returns to: the one before the claim, or `active` if that was not live. */
const retryState = (previous: Session): SessionState =>
  previous.state === 'disconnected' ? 'disconnected' : 'active';

/** The UpdateItem parts of each outcome but `released`. */
function outcomeUpdate(claim: Claim, outcome: Exclude<Outcome, { kind: 'released' }>) {
  // The engine may say how many attempts this life has had (several under one claim);
  // otherwise this claim's call is one more.
  const count =
    outcome.attempts !== undefined
      ? 'attempts = :attempts, version = version + :one'
      : 'attempts = if_not_exists(attempts, :zero) + :one, version = version + :one';
  const base: Record<string, AttributeValue> =
    outcome.attempts !== undefined
      ? { ':attempts': N(outcome.attempts), ':one': N(1) }
      : { ':zero': N(0), ':one': N(1) };
  switch (outcome.kind) {
    case 'destroyed':
      return {
        update:
          `SET #state = :destroyed, destroyedAt = :at, expiresAt = :ttl, ${count}` +
          (outcome.requestId !== undefined ? ', requestId = :requestId' : '') +
          (outcome.alreadyGone ? ', alreadyGone = :gone' : '') +
          ' REMOVE dueShard, dueAt, ageShard, leaseExpiresAt, claimedAt, claimVersion, nextAttemptAt, disconnectedAt, lastError, firstFailedAt, sendingAt' +
          (outcome.requestId === undefined ? ', requestId' : '') +
          (outcome.alreadyGone ? '' : ', alreadyGone'),
        values: {
          ...base,
          ':destroyed': S('destroyed'),
          ':at': N(outcome.at),
          ':ttl': N(destroyedExpiresAt(outcome.at)),
          ...(outcome.requestId !== undefined ? { ':requestId': S(outcome.requestId) } : {}),
          ...(outcome.alreadyGone ? { ':gone': { BOOL: true } } : {}),
        },
      };
    case 'retry': {
      const state = retryState(claim.previous);
      return {
        update:
          `SET #state = :live, lastError = :error, nextAttemptAt = :next, dueShard = :retryShard, dueAt = :next, ${count}` +
          ', firstFailedAt = if_not_exists(firstFailedAt, :first)' +
          ' REMOVE leaseExpiresAt, claimedAt, claimVersion, ageShard, expiresAt, destroyedAt, requestId, sendingAt, alreadyGone' +
          (state === 'active' ? ', disconnectedAt' : ''),
        values: {
          ...base,
          ':live': S(state),
          ':error': S(errorText(outcome.error)),
          ':next': N(outcome.nextAttemptAt),
          ':retryShard': S(shardKey('R', shardOf(claim.userId))),
          ':first': N(outcome.firstFailedAt ?? outcome.at),
        },
      };
    }
    case 'failed':
      return {
        update:
          `SET #state = :failed, lastError = :error, expiresAt = :ttl, ${count}` +
          ' REMOVE dueShard, dueAt, ageShard, leaseExpiresAt, claimedAt, claimVersion, nextAttemptAt, disconnectedAt, destroyedAt, requestId, sendingAt, alreadyGone',
        values: {
          ...base,
          ':failed': S('failed'),
          ':error': S(errorText(outcome.error)),
          ':ttl': N(failedExpiresAt(outcome.at)),
        },
      };
  }
}

/** Records an outcome; throws ClaimLostError (with the current item) when the claim is gone. */
export async function recordClaimOutcome(
  context: StoreContext,
  claim: Claim,
  outcome: Outcome,
): Promise<void> {
  if (outcome.kind === 'released') return releaseClaim(context, claim, outcome.at);
  const { update, values } = outcomeUpdate(claim, outcome);
  const holds = holdsClaimCondition(claim);
  try {
    await context.client.send(
      new UpdateItemCommand({
        TableName: context.tableName,
        Key: { userId: S(claim.userId) },
        UpdateExpression: update,
        ConditionExpression: holds.condition,
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ...values, ...holds.values },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) {
      throw await context.translate(error, `UpdateItem (outcome ${outcome.kind})`);
    }
    const item = (error as { Item?: Item }).Item;
    if (alreadyRecorded(claim, outcome, item)) return;
    throw new ClaimLostError(claim.userId, item ? itemToSession(item) : undefined);
  }
}
