import { randomUUID } from 'node:crypto';
import { type AttributeValue, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  type Claim,
  type ClaimOptions,
  type ClaimResult,
  type ReapReason,
  reapReasonOf,
  type Session,
} from '../sessions/session-store.js';
import { shardKey, shardOf } from '../sessions/shard.js';
import { isAbandonedAfterActivity, reviveAfterTakeoverRefused } from './abandoned-claims.js';
import { type Item, itemToSession } from './item-mapping.js';
import type { StoreContext } from './store-context.js';
import { isConditionalCheckFailed } from './store-errors.js';
import { retryTransient } from './transient-retry.js';

const N = (value: number): AttributeValue => ({ N: String(value) });
const S = (value: string): AttributeValue => ({ S: value });

/**
 * What every claim writes: state `reaping`, the claimant and a fresh token,
 * when it was claimed, the lease, and the item's move to the L family of the
 * due index (keyed by the lease's end, so an abandoned claim shows up as due
 * once it expires). It leaves the age index and loses any TTL (a destroyed
 * item claimed again must not expire mid-destroy). Each claim adds the
 * version it writes as `claimVersion` (SET operands read the item as it was).
 */
const CLAIM_UPDATE =
  'SET #state = :reaping, reapedBy = :claimant, claimToken = :token, leaseExpiresAt = :lease, ' +
  'claimedAt = :now, dueShard = :leaseShard, dueAt = :lease';
const CLAIM_REMOVE = ' REMOVE ageShard, expiresAt';

/** A claim made at its call's slot says the call is going out; one made ahead clears any old mark. */
const sendingClause = (options: ClaimOptions): string =>
  options.sending ? `, sendingAt = :now${CLAIM_REMOVE}` : `${CLAIM_REMOVE}, sendingAt`;

/**
 * No claim, by search or by name, takes a session before its exemption ends
 * (`:now` is the claim's time); the search leaves exempt sessions out, and
 * this holds against an exemption recorded after the search read the session.
 */
const NOT_EXEMPT = 'attribute_not_exists(exemptUntil) OR exemptUntil <= :now';

/**
 * The `reason` a claim records: the candidate's, or for a retry or a
 * takeover the one already on the item (the claim that started the reaping
 * wrote it), `idle` for items from before reasons were recorded.
 */
function reasonOf(options: ClaimOptions, fallback: ReapReason) {
  const explicit = options.reason === undefined ? fallback : reapReasonOf(options.reason);
  return {
    update:
      explicit === undefined ? ', reason = if_not_exists(reason, :reason)' : ', reason = :reason',
    value: explicit ?? 'idle',
    resolve: (old: Item | undefined): ReapReason =>
      explicit ?? (old?.reason?.S as ReapReason | undefined) ?? 'idle',
  };
}

const claimValues = (userId: string, options: ClaimOptions, token: string, reason: string) => ({
  ':reaping': S('reaping'),
  ':claimant': S(options.claimant),
  ':token': S(token),
  ':lease': N(options.now + options.leaseMs),
  ':leaseShard': S(shardKey('L', shardOf(userId))),
  ':now': N(options.now),
  ':one': N(1),
  ':reason': S(reason),
});

/**
 * Claims a session read by findCandidates. Timeline of the race it prevents:
 *   t0 reaper reads session (version 7, idle)    t1 heartbeat: version 8
 *   t2 reaper claims "if version = 7"            -> fails: the user is active
 * A heartbeat on an active session moves lastActiveAt without a new version
 * (that write stays off the indexes), so a session found idle carries the
 * idle cut-off and the claim re-checks it:
 *   t0 reaper reads session (idle: lastActiveAt <= cut-off)
 *   t1 heartbeat: lastActiveAt = now, version unchanged
 *   t2 reaper claims "if version = 7 and lastActiveAt <= cut-off" -> fails
 * A claim whose lease expired (its run crashed) may be taken over, but only
 * if nothing was written since it (version = claimVersion): activity recorded
 * after the dead claim means the user is back, and the session is revived
 * instead (abandoned-claims.ts). On failure DynamoDB returns the item (ALL_OLD).
 */
export async function claimSession(
  context: StoreContext,
  session: Session,
  options: ClaimOptions,
): Promise<ClaimResult> {
  const token = randomUUID();
  const stillIdle = session.idleCutoff === undefined ? '' : ' AND lastActiveAt <= :idleCutoff';
  // Warn-first: only a session warned in its current idle period, long enough ago.
  const warned =
    options.warnedBy === undefined ? '' : ' AND warnedAt >= lastActiveAt AND warnedAt <= :warnedBy';
  const reason = reasonOf(options, 'idle');
  const result = await runClaim(context, session.userId, options, token, reason.resolve, {
    // Made at the call's slot, the claim is its last check and says the call is going out.
    UpdateExpression:
      `${CLAIM_UPDATE}${reason.update}, version = version + :one, claimVersion = version + :one` +
      sendingClause(options),
    ConditionExpression:
      `(${NOT_EXEMPT}) AND ((version = :read AND #state IN (:active, :disconnected)${stillIdle}${warned}) OR ` +
      '(#state = :reaping AND leaseExpiresAt < :now AND version = claimVersion))',
    ExpressionAttributeValues: {
      ...claimValues(session.userId, options, token, reason.value),
      ':read': N(session.version),
      ':active': S('active'),
      ':disconnected': S('disconnected'),
      ...(session.idleCutoff === undefined ? {} : { ':idleCutoff': N(session.idleCutoff) }),
      ...(options.warnedBy === undefined ? {} : { ':warnedBy': N(options.warnedBy) }),
    },
  });
  if (result.status === 'claimed' || !isAbandonedAfterActivity(result.item, options.now)) {
    return publicResult(result);
  }
  return reviveAfterTakeoverRefused(context, result.item, options.now);
}

/**
 * Claims a named session for a manual destroy whatever its state, creating
 * the item when absent (`previous.version` is then 0), unless another
 * claimant holds an unexpired lease. With `onlyDisconnected` (the webhook's
 * immediate destroy) only a session still `disconnected` is claimed: a
 * heartbeat recorded after the disconnect made it `active`, and the claim
 * is then lost, with no read before it to go stale.
 */
export async function claimSessionByUserId(
  context: StoreContext,
  userId: string,
  options: ClaimOptions,
): Promise<ClaimResult> {
  const token = randomUUID();
  const reason = reasonOf(options, 'manual');
  const condition =
    `(${NOT_EXEMPT}) AND ` +
    (options.onlyDisconnected
      ? '#state = :disconnected'
      : '(attribute_not_exists(userId) OR #state <> :reaping OR leaseExpiresAt < :now OR reapedBy = :claimant)');
  const result = await runClaim(context, userId, options, token, reason.resolve, {
    UpdateExpression:
      `${CLAIM_UPDATE}${reason.update}, version = if_not_exists(version, :zero) + :one, ` +
      'claimVersion = if_not_exists(version, :zero) + :one, ' +
      'startedAt = if_not_exists(startedAt, :now), lastActiveAt = if_not_exists(lastActiveAt, :zero), ' +
      `attempts = if_not_exists(attempts, :zero)${sendingClause(options)}`,
    ConditionExpression: condition,
    ExpressionAttributeValues: {
      ...claimValues(userId, options, token, reason.value),
      ':zero': N(0),
      ...(options.onlyDisconnected ? { ':disconnected': S('disconnected') } : {}),
    },
  });
  return publicResult(result);
}

/** A claim's result with, when lost, the item as DynamoDB returned it. */
type RawClaimResult =
  | { status: 'claimed'; claim: Claim }
  | { status: 'lost'; item: Item | undefined };

const publicResult = (result: RawClaimResult): ClaimResult =>
  result.status === 'claimed'
    ? result
    : { status: 'lost', current: result.item ? itemToSession(result.item) : undefined };

async function runClaim(
  context: StoreContext,
  userId: string,
  options: ClaimOptions,
  token: string,
  resolveReason: (old: Item | undefined) => ReapReason,
  expression: {
    UpdateExpression: string;
    ConditionExpression: string;
    ExpressionAttributeValues: Record<string, AttributeValue>;
  },
): Promise<RawClaimResult> {
  // Made again after a transient failure: a repeat after a claim that landed finds its
  // condition failed and looks lost; the lease brings the session back.
  const written = await retryTransient(async () => {
    try {
      const output = await context.client.send(
        new UpdateItemCommand({
          TableName: context.tableName,
          Key: { userId: S(userId) },
          ...expression,
          ExpressionAttributeNames: { '#state': 'state' },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { old: output.Attributes };
    } catch (error) {
      if (isConditionalCheckFailed(error)) return { lost: (error as { Item?: Item }).Item };
      throw await context.translate(error, 'UpdateItem (claim)');
    }
  });
  if ('lost' in written) return { status: 'lost', item: written.lost };
  const old = written.old;
  const previous: Session = old
    ? itemToSession(old)
    : { userId, state: 'active', lastActiveAt: 0, startedAt: options.now, attempts: 0, version: 0 };
  const claim: Claim = {
    userId,
    claimant: options.claimant,
    token,
    version: previous.version + 1,
    leaseExpiresAt: options.now + options.leaseMs,
    attempts: previous.attempts,
    previous,
    reason: resolveReason(old),
  };
  return { status: 'claimed', claim };
}
