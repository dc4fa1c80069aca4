import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DEFAULT_CLASS } from '../policies/session-classes.js';
import {
  MAX_WRITE_ROUNDS,
  replaceIfUnchanged,
  tooMuchContention,
  updateIfMatches,
  type WriteResult,
} from './conditional-write.js';
import { claimExtrasOf, type Item, itemToSession, sessionToItem } from './item-mapping.js';
import type { Session } from './session-store.js';
import { AGE_FAMILY, shardKey, shardOf } from './shard.js';
import type { StoreContext } from './store-context.js';
import { applyActivity, applyDisconnect } from './transitions.js';

const N = (value: number): AttributeValue => ({ N: String(value) });
const S = (value: string): AttributeValue => ({ S: value });

/**
 * Finishes a transition the fast path could not make: computes the next item
 * from the current one (pure, transitions.ts) and writes it conditional on the
 * version it saw, until it goes through or the event turns out to be a no-op.
 */
async function settle(
  context: StoreContext,
  userId: string,
  first: WriteResult,
  transition: (current: Session | undefined) => Session | undefined,
  operation: string,
): Promise<void> {
  let result = first;
  for (let round = 0; round < MAX_WRITE_ROUNDS && !result.written; round++) {
    const currentItem: Item | undefined = result.current;
    const current = currentItem ? itemToSession(currentItem) : undefined;
    const next = transition(current);
    if (next === undefined) return;
    // A reaping item keeps its claim token, or its claimant could not record the outcome,
    // and the version its claim wrote, which tells a takeover that activity came since.
    const extras = next.state === 'reaping' && currentItem ? claimExtrasOf(currentItem) : {};
    result = await replaceIfUnchanged(
      context,
      userId,
      sessionToItem(next, extras),
      current?.version,
      operation,
    );
  }
  if (!result.written) throw tooMuchContention(userId, operation);
}

/**
 * Activity for one user at `at`. Fast path, one UpdateItem: the item is absent
 * (first heartbeat) or an active session with no retry pending and older
 * activity; it moves lastActiveAt (and with it the due-index sort key)
 * forward. Anything else (disconnected, reaping, ended, retry pending, or an
 * out-of-order timestamp) comes back as ConditionalCheckFailed with the
 * current item and is settled by the pure transition.
 */
export async function recordActivityFor(
  context: StoreContext,
  userId: string,
  at: number,
  sessionClass?: string,
): Promise<void> {
  const shard = shardOf(userId);
  // A class given is written with the activity (`default` is the absence of one), and
  // with it the class's index partitions. Without one, the item keeps its class: the
  // condition below admits only an absent item (default class) or an active one with no
  // retry, whose index partitions are already its class's A and G ones.
  const named = sessionClass !== undefined && sessionClass !== DEFAULT_CLASS;
  const setClass = named ? ', #class = :class' : '';
  const removeClass = sessionClass === DEFAULT_CLASS ? ' REMOVE #class' : '';
  const partitions =
    sessionClass === undefined
      ? 'dueShard = if_not_exists(dueShard, :activeShard), ageShard = if_not_exists(ageShard, :ageShard)'
      : 'dueShard = :activeShard, ageShard = :ageShard';
  const first = await updateIfMatches(
    context,
    {
      Key: { userId: S(userId) },
      UpdateExpression:
        `SET lastActiveAt = :at, dueAt = :at, ${partitions}, ` +
        '#state = :active, startedAt = if_not_exists(startedAt, :at), ' +
        `attempts = if_not_exists(attempts, :zero), version = if_not_exists(version, :zero) + :one${setClass}${removeClass}`,
      ConditionExpression:
        'attribute_not_exists(userId) OR ' +
        '(#state = :active AND attribute_not_exists(nextAttemptAt) AND lastActiveAt < :at)',
      ExpressionAttributeNames: {
        '#state': 'state',
        ...(sessionClass === undefined ? {} : { '#class': 'class' }),
      },
      ExpressionAttributeValues: {
        ':at': N(at),
        ':active': S('active'),
        ':activeShard': S(shardKey('A', shard, sessionClass)),
        ':ageShard': S(shardKey(AGE_FAMILY, shard, sessionClass)),
        ':zero': N(0),
        ':one': N(1),
        ...(named ? { ':class': S(sessionClass) } : {}),
      },
    },
    'UpdateItem (activity)',
  );
  await settle(
    context,
    userId,
    first,
    (current) => applyActivity(userId, current, at, sessionClass),
    'PutItem (activity)',
  );
}

/**
 * A disconnect for one user at `at`. Fast path: an active session with no
 * retry pending and no activity after `at` becomes disconnected (it stays in
 * the due index by lastActiveAt, in the D family). Anything else is settled by
 * the pure transition (applyDisconnect).
 */
export async function recordDisconnectFor(
  context: StoreContext,
  userId: string,
  at: number,
): Promise<void> {
  const first = await updateIfMatches(
    context,
    {
      Key: { userId: S(userId) },
      UpdateExpression:
        'SET #state = :disconnected, disconnectedAt = :at, dueShard = :disconnectedShard, version = version + :one',
      // A session of a named class goes through the transition, which keys it by its class.
      ConditionExpression:
        '#state = :active AND attribute_not_exists(nextAttemptAt) AND lastActiveAt <= :at AND ' +
        'attribute_not_exists(#class)',
      ExpressionAttributeNames: { '#state': 'state', '#class': 'class' },
      ExpressionAttributeValues: {
        ':at': N(at),
        ':active': S('active'),
        ':disconnected': S('disconnected'),
        ':disconnectedShard': S(shardKey('D', shardOf(userId))),
        ':one': N(1),
      },
    },
    'UpdateItem (disconnect)',
  );
  await settle(
    context,
    userId,
    first,
    (current) => applyDisconnect(userId, current, at),
    'PutItem (disconnect)',
  );
}
