import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DEFAULT_CLASS } from '../policies/session-classes.js';
import type { Session } from '../sessions/session-store.js';
import { AGE_FAMILY, shardKey, shardOf } from '../sessions/shard.js';
import { applyActivity, applyDisconnect } from '../sessions/transitions.js';
import {
  MAX_WRITE_ROUNDS,
  replaceIfUnchanged,
  tooMuchContention,
  updateIfMatches,
  type WriteResult,
} from './conditional-write.js';
import { claimExtrasOf, type Item, itemToSession, sessionToItem } from './item-mapping.js';
import type { StoreContext } from './store-context.js';

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
    // A heartbeat may have moved lastActiveAt since without a new version.
    const seen = currentItem?.lastActiveAt;
    result = await replaceIfUnchanged(
      context,
      userId,
      sessionToItem(next, extras),
      current?.version,
      operation,
      seen === undefined
        ? undefined
        : { condition: 'lastActiveAt = :seenLastActiveAt', values: { ':seenLastActiveAt': seen } },
    );
  }
  if (!result.written) throw tooMuchContention(userId, operation);
}

/**
 * The due-index marks this process last saw, per user (bounded, oldest
 * dropped first): it lets a write that must move the mark go straight to the
 * write that moves it, instead of failing the cheap write first.
 */
export class DueMarks {
  private readonly marks = new Map<string, number>();

  constructor(private readonly capacity = 100_000) {}

  get(userId: string): number | undefined {
    return this.marks.get(userId);
  }

  set(userId: string, mark: number | undefined): void {
    this.marks.delete(userId);
    if (mark === undefined) return;
    this.marks.set(userId, mark);
    if (this.marks.size > this.capacity) {
      const oldest = this.marks.keys().next().value;
      if (oldest !== undefined) this.marks.delete(oldest);
    }
  }
}

/** How activity writes treat the due index. */
export interface ActivityIndexing {
  /**
   * Activity moves an active session's due-index mark only once it is this
   * much newer than the mark; in between it sets lastActiveAt alone, a write
   * that touches no index. 0 moves the mark on every write.
   */
  stepMs: number;
  marks: DueMarks;
}

const markOf = (item: Item | undefined): number | undefined => {
  const raw = item?.dueAt?.N;
  return raw === undefined ? undefined : Number(raw);
};

/** Whether an item is an active session whose mark activity at `at` leaves in place. */
const markHolds = (item: Item, at: number, stepMs: number): boolean => {
  const mark = markOf(item);
  return (
    item.state?.S === 'active' &&
    item.nextAttemptAt === undefined &&
    mark !== undefined &&
    at - mark < stepMs
  );
};

/**
 * How activity writes a class given with it: named, it is set; `default`
 * clears it; absent, the session keeps its own. `same` is the condition that
 * the item already has it, under which the cheap write may run.
 */
interface ClassClauses {
  set: string;
  remove: string;
  same: string;
  names: Record<string, string>;
  values: Record<string, AttributeValue>;
}

function classClauses(sessionClass: string | undefined): ClassClauses {
  if (sessionClass === undefined) {
    return { set: '', remove: '', same: '', names: {}, values: {} };
  }
  if (sessionClass === DEFAULT_CLASS) {
    return {
      set: '',
      remove: ' REMOVE #class',
      same: ' AND attribute_not_exists(#class)',
      names: { '#class': 'class' },
      values: {},
    };
  }
  return {
    set: ', #class = :class',
    remove: '',
    same: ' AND #class = :class',
    names: { '#class': 'class' },
    values: { ':class': S(sessionClass) },
  };
}

/** Whether an item's class differs from the one activity brings. */
const classChanges = (item: Item, sessionClass: string | undefined): boolean =>
  sessionClass !== undefined &&
  item.class?.S !== (sessionClass === DEFAULT_CLASS ? undefined : sessionClass);

/**
 * Activity for one user at `at`, cheapest write first:
 * - the item is absent (first activity), or an active session, no retry
 *   pending, older activity, the class it brings (if any) already set, and a
 *   mark less than the step behind `at`: one UpdateItem that creates the
 *   session, or changes lastActiveAt alone (no new version, no index write;
 *   the claim re-checks lastActiveAt instead);
 * - an active session whose mark must move, or whose class changes: one
 *   UpdateItem that moves the mark (and with it the due-index sort key), the
 *   class and the version;
 * - anything else (disconnected, reaping, ended, retry pending, or an
 *   out-of-order timestamp) comes back as ConditionalCheckFailed with the
 *   current item and is settled by the pure transition, so a state change is
 *   always written at once.
 */
export async function recordActivityFor(
  context: StoreContext,
  userId: string,
  at: number,
  indexing: ActivityIndexing,
  sessionClass?: string,
): Promise<void> {
  const { stepMs, marks } = indexing;
  const known = marks.get(userId);
  const classes = classClauses(sessionClass);
  let first: WriteResult | undefined;
  if (stepMs > 0 && (known === undefined || at - known < stepMs)) {
    const shard = shardOf(userId);
    // On an existing active session every if_not_exists keeps the stored value, so only
    // lastActiveAt changes and no index is written; on an absent one it creates the session.
    const attempt = await updateIfMatches(
      context,
      {
        Key: { userId: S(userId) },
        UpdateExpression:
          'SET lastActiveAt = :at, dueAt = if_not_exists(dueAt, :at), ' +
          'dueShard = if_not_exists(dueShard, :activeShard), ageShard = if_not_exists(ageShard, :ageShard), ' +
          '#state = if_not_exists(#state, :active), startedAt = if_not_exists(startedAt, :at), ' +
          `attempts = if_not_exists(attempts, :zero), version = if_not_exists(version, :one)${classes.set}`,
        ConditionExpression:
          'attribute_not_exists(userId) OR (#state = :active AND attribute_not_exists(nextAttemptAt) ' +
          `AND lastActiveAt < :at AND dueAt > :markFloor${classes.same})`,
        ExpressionAttributeNames: { '#state': 'state', ...classes.names },
        ExpressionAttributeValues: {
          ':at': N(at),
          ':active': S('active'),
          ':activeShard': S(shardKey('A', shard, sessionClass)),
          ':ageShard': S(shardKey(AGE_FAMILY, shard, sessionClass)),
          ':markFloor': N(at - stepMs),
          ':zero': N(0),
          ':one': N(1),
          ...classes.values,
        },
        ReturnValues: 'ALL_OLD',
      },
      'UpdateItem (activity)',
    );
    if (attempt.written) {
      marks.set(userId, attempt.previous ? markOf(attempt.previous) : at);
      return;
    }
    // An active session whose mark is due to move, or whose class changes, goes on to
    // the write that moves it.
    const current = attempt.current;
    const movable =
      current !== undefined &&
      current.state?.S === 'active' &&
      current.nextAttemptAt === undefined &&
      Number(current.lastActiveAt?.N ?? 0) < at &&
      (!markHolds(current, at, stepMs) || classChanges(current, sessionClass));
    if (!movable) first = attempt;
  }
  first ??= await moveMark(context, userId, at, classes, sessionClass);
  if (first.written) {
    marks.set(userId, at);
    return;
  }
  marks.set(userId, undefined);
  await settle(
    context,
    userId,
    first,
    (current) => applyActivity(userId, current, at, sessionClass),
    'PutItem (activity)',
  );
}

/**
 * The write that moves an active session's mark to `at` (or creates the
 * session): lastActiveAt, the due-index sort key, the class and the version.
 */
function moveMark(
  context: StoreContext,
  userId: string,
  at: number,
  classes: ClassClauses,
  sessionClass: string | undefined,
): Promise<WriteResult> {
  const shard = shardOf(userId);
  // Without a class given the item keeps its class's partitions (the condition admits
  // only an absent item or an active one, already in its class's A and G partitions).
  const partitions =
    sessionClass === undefined
      ? 'dueShard = if_not_exists(dueShard, :activeShard), ageShard = if_not_exists(ageShard, :ageShard)'
      : 'dueShard = :activeShard, ageShard = :ageShard';
  return updateIfMatches(
    context,
    {
      Key: { userId: S(userId) },
      UpdateExpression:
        `SET lastActiveAt = :at, dueAt = :at, ${partitions}, ` +
        '#state = :active, startedAt = if_not_exists(startedAt, :at), ' +
        `attempts = if_not_exists(attempts, :zero), version = if_not_exists(version, :zero) + :one${classes.set}${classes.remove}`,
      ConditionExpression:
        'attribute_not_exists(userId) OR ' +
        '(#state = :active AND attribute_not_exists(nextAttemptAt) AND lastActiveAt < :at)',
      ExpressionAttributeNames: { '#state': 'state', ...classes.names },
      ExpressionAttributeValues: {
        ':at': N(at),
        ':active': S('active'),
        ':activeShard': S(shardKey('A', shard, sessionClass)),
        ':ageShard': S(shardKey(AGE_FAMILY, shard, sessionClass)),
        ':zero': N(0),
        ':one': N(1),
        ...classes.values,
      },
    },
    'UpdateItem (activity)',
  );
}

/**
 * A disconnect for one user at `at`. Fast path: an active session with no
 * retry pending and no activity after `at` becomes disconnected (it moves to
 * the D family of the due index, by lastActiveAt). Anything else is settled by
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
      // The D family is keyed by lastActiveAt itself (the A mark may lag it).
      UpdateExpression:
        'SET #state = :disconnected, disconnectedAt = :at, dueShard = :disconnectedShard, ' +
        'dueAt = lastActiveAt, version = version + :one',
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
