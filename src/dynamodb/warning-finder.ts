import { type AttributeValue, QueryCommand } from '@aws-sdk/client-dynamodb';
import pLimit from 'p-limit';
import { type Cutoffs, cutoffsOf } from '../sessions/candidate-queries.js';
import type {
  ClassThresholds,
  FindWarnableOptions,
  Session,
  Warnable,
} from '../sessions/session-store.js';
import { AGE_FAMILY, allShards, shardKey } from '../sessions/shard.js';
import { type WarnPolicy, warningFor } from '../sessions/warnings.js';
import { batchGetSessions } from './batch-get.js';
import { type Item, itemToSession } from './item-mapping.js';
import { AGE_INDEX, DUE_INDEX } from './schema.js';
import type { StoreContext } from './store-context.js';

const N = (value: number): AttributeValue => ({ N: String(value) });
const S = (value: string): AttributeValue => ({ S: value });

/** One class of a warning search: its partitions' class, cut-offs and rules. */
interface ClassWindow {
  sessionClass?: string;
  cutoffs: Cutoffs;
  policy: WarnPolicy;
}

/**
 * A window of one index partition. `exact` entries carry what the warning
 * needs (D: the sort key is lastActiveAt itself); the others are fetched.
 */
interface WindowQuery {
  index: string;
  partition: string;
  from: number;
  to: number;
  exact: boolean;
}

/**
 * The windows of one class, beyond what its reap search reads (that search
 * finds the due sessions, and the run warns those first):
 * - A, keyed by an activity mark at most lastActiveAt: marks in (idle
 *   cut-off, idle cut-off + warn] hold every active session due within warn
 *   that the reap search does not read, plus some whose activity moved past
 *   the mark; their items tell which;
 * - D, keyed by lastActiveAt: (idle cut-off, max(idle, grace cut-off) + warn];
 * - the age index: started in (age cut-off, age cut-off + warn].
 */
function windowsOf(search: ClassWindow): WindowQuery[] {
  const { cutoffs: c, sessionClass } = search;
  const warn = search.policy.warnMs ?? 0;
  return allShards().flatMap((shard) => {
    const windows: WindowQuery[] = [
      {
        index: DUE_INDEX,
        partition: shardKey('A', shard, sessionClass),
        from: c.idle + 1,
        to: c.idle + warn,
        exact: false,
      },
      {
        index: DUE_INDEX,
        partition: shardKey('D', shard, sessionClass),
        from: c.idle + 1,
        to: Math.max(c.idle, c.grace) + warn,
        exact: true,
      },
    ];
    if (c.age !== undefined) {
      windows.push({
        index: AGE_INDEX,
        partition: shardKey(AGE_FAMILY, shard, sessionClass),
        from: c.age + 1,
        to: c.age + warn,
        exact: false,
      });
    }
    return windows;
  });
}

/** Every class (the default one first) with its cut-offs and rules, warning or not. */
function classWindows(options: FindWarnableOptions): ClassWindow[] {
  const windowOf = (sessionClass: string | undefined, own?: ClassThresholds): ClassWindow => {
    const policy: WarnPolicy = {
      idleTimeoutMs: own?.idleTimeoutMs ?? options.idleTimeoutMs,
      disconnectGraceMs: own?.disconnectGraceMs ?? options.disconnectGraceMs,
      maxAgeMs: own?.maxAgeMs ?? options.maxAgeMs,
      warnMs: own?.warnMs ?? options.warnMs,
      activityResolutionMs: options.activityResolutionMs,
    };
    return { sessionClass, cutoffs: cutoffsOf({ ...options, ...policy }), policy };
  };
  return [
    windowOf(undefined),
    ...Object.entries(options.classes ?? {}).map(([name, own]) => windowOf(name, own)),
  ];
}

/**
 * Pages of sessions to warn: due within their class's warning time, not
 * warned in their current idle period, not exempt. Each query reads only its
 * window of an index; the entries whose index key is not their lastActiveAt
 * (A) or that hold keys only (age) are then read by key, strongly
 * consistent, and judged on the item: the read follows the sessions about to
 * be due.
 */
export async function* findWarnableSessions(
  context: StoreContext,
  options: FindWarnableOptions,
  concurrency: number,
): AsyncGenerator<Warnable[]> {
  const limit = pLimit(concurrency);
  const classes = classWindows(options);
  const policies = new Map(classes.map((each) => [each.sessionClass, each.policy]));
  const windows = classes.filter((each) => (each.policy.warnMs ?? 0) > 0).flatMap(windowsOf);
  const read = await Promise.all(windows.map((w) => limit(() => readWindow(context, w))));
  const sessions: Session[] = [];
  const toFetch = new Set<string>();
  read.forEach((items, i) => {
    for (const item of items) {
      const userId = item.userId?.S;
      if (userId === undefined) continue;
      if (!windows[i]?.exact) toFetch.add(userId);
      else sessions.push({ ...itemToSession(item), lastActiveAt: Number(item.dueAt?.N ?? 0) });
    }
  });
  const fetched = await batchGetSessions(context, [...toFetch], {
    what: 'sessions about to be due',
    consistentRead: true,
  });
  const seen = new Set<string>();
  const page: Warnable[] = [];
  for (const session of [...fetched, ...sessions]) {
    if (seen.has(session.userId)) continue;
    seen.add(session.userId);
    // A class since removed from the policies file is judged as the default class.
    const policy = policies.get(session.class) ?? policies.get(undefined);
    const warning = policy && warningFor(session, policy, options.now);
    if (!warning) continue;
    page.push({ session, ...warning });
    if (page.length >= (options.pageSize ?? 100)) yield page.splice(0);
  }
  if (page.length > 0) yield page;
}

async function readWindow(context: StoreContext, window: WindowQuery): Promise<Item[]> {
  if (window.to < window.from) return [];
  const key = window.index === AGE_INDEX ? 'ageShard' : 'dueShard';
  const sort = window.index === AGE_INDEX ? 'startedAt' : 'dueAt';
  const items: Item[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    try {
      const output = await context.client.send(
        new QueryCommand({
          TableName: context.tableName,
          IndexName: window.index,
          KeyConditionExpression: `${key} = :partition AND ${sort} BETWEEN :from AND :to`,
          ExpressionAttributeValues: {
            ':partition': S(window.partition),
            ':from': N(window.from),
            ':to': N(window.to),
          },
          ExclusiveStartKey: startKey,
        }),
      );
      context.readStats.queries += 1;
      context.readStats.scannedCount += output.ScannedCount ?? 0;
      context.readStats.returnedCount += output.Count ?? 0;
      items.push(...(output.Items ?? []));
      startKey = output.LastEvaluatedKey;
    } catch (error) {
      throw await context.translate(error, `Query (${window.index} index, warnings)`);
    }
  } while (startKey !== undefined);
  return items;
}
