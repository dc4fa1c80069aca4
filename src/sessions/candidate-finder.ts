import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandInput,
  type BatchGetItemCommandOutput,
  type ConsumedCapacity,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import pLimit from 'p-limit';
import { StoreError } from '../errors.js';
import {
  type Cutoffs,
  cutoffsOf,
  type DueQuery,
  dueForAge,
  dueQueries,
  reasonFor,
} from './candidate-queries.js';
import { type Item, itemToSession } from './item-mapping.js';
import { AGE_INDEX, DUE_INDEX } from './schema.js';
import type { Candidate, FindCandidatesOptions, Session } from './session-store.js';
import { AGE_FAMILY, allShards, shardKey } from './shard.js';
import type { StoreContext } from './store-context.js';

const N = (value: number): AttributeValue => ({ N: String(value) });
const S = (value: string): AttributeValue => ({ S: value });

/** Attributes fetched for a max-age hit: the same ones the due index projects. */
const SESSION_PROJECTION =
  'userId, #state, lastActiveAt, startedAt, disconnectedAt, attempts, nextAttemptAt, leaseExpiresAt, reapedBy, version';

/** A paged query over one index partition. */
interface Cursor {
  partition: string;
  index: string;
  keyCondition: string;
  filter?: string;
  values: Record<string, AttributeValue>;
  /** Turns one returned item into a candidate (or a key to fetch, for the age index). */
  family?: DueQuery['family'];
  startKey?: Record<string, AttributeValue>;
}

const capacityOf = (consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): number =>
  [consumed ?? []].flat().reduce((sum, each) => sum + (each.CapacityUnits ?? 0), 0);

function dueCursors(cutoffs: Cutoffs): Cursor[] {
  return dueQueries(cutoffs).flatMap((query) =>
    allShards().map((shard) => ({
      partition: shardKey(query.family, shard),
      index: DUE_INDEX,
      family: query.family,
      keyCondition: `dueShard = :partition AND dueAt ${query.operator} :cutoff`,
      filter: query.filter
        ? 'lastActiveAt <= :idleCutoff OR disconnectedAt <= :graceCutoff'
        : undefined,
      values: {
        ':cutoff': N(query.value),
        ...(query.filter
          ? {
              ':idleCutoff': N(query.filter.idleCutoff),
              ':graceCutoff': N(query.filter.graceCutoff),
            }
          : {}),
      },
    })),
  );
}

function ageCursors(ageCutoff: number): Cursor[] {
  return allShards().map((shard) => ({
    partition: shardKey(AGE_FAMILY, shard),
    index: AGE_INDEX,
    keyCondition: 'ageShard = :partition AND startedAt <= :cutoff',
    values: { ':cutoff': N(ageCutoff) },
  }));
}

/**
 * Pages of due sessions. Every family and shard is a small Query on a sparse
 * index, run in waves (one page of each, in parallel), so the items read are
 * the due ones (see candidate-queries.ts for the one exception), never the
 * table. The max-age rule, when on, reads the KEYS_ONLY age index and fetches
 * its hits by key. A session found twice (due for two reasons) is yielded once.
 */
export async function* findDueCandidates(
  context: StoreContext,
  options: FindCandidatesOptions,
  concurrency: number,
): AsyncGenerator<Candidate[]> {
  const pageSize = options.pageSize ?? 100;
  const cutoffs = cutoffsOf(options);
  const limit = pLimit(concurrency);
  const seen = new Set<string>();
  let buffer: Candidate[] = [];
  const accept = (candidate: Candidate) => {
    if (seen.has(candidate.session.userId)) return;
    seen.add(candidate.session.userId);
    buffer.push(candidate);
  };
  const drain = function* (all: boolean) {
    while (buffer.length >= pageSize || (all && buffer.length > 0)) {
      yield buffer.slice(0, pageSize);
      buffer = buffer.slice(pageSize);
    }
  };

  let cursors = dueCursors(cutoffs);
  while (cursors.length > 0) {
    const pages = await Promise.all(
      cursors.map((cursor) => limit(() => queryPage(context, cursor, pageSize))),
    );
    pages.forEach((items, position) => {
      const family = cursors[position]?.family;
      if (family === undefined) return;
      for (const item of items) {
        const session = itemToSession(item);
        accept({ session, reason: reasonFor(family, session, cutoffs) });
      }
    });
    cursors = cursors.filter((cursor) => cursor.startKey !== undefined);
    yield* drain(false);
  }

  if (cutoffs.age !== undefined) {
    let ageWave = ageCursors(cutoffs.age);
    while (ageWave.length > 0) {
      const pages = await Promise.all(
        ageWave.map((cursor) => limit(() => queryPage(context, cursor, pageSize))),
      );
      const userIds = pages
        .flat()
        .map((item) => item.userId?.S)
        .filter((userId): userId is string => userId !== undefined && !seen.has(userId));
      for (const session of await fetchSessions(context, userIds)) {
        if (dueForAge(session, cutoffs)) accept({ session, reason: 'max-age' });
      }
      ageWave = ageWave.filter((cursor) => cursor.startKey !== undefined);
      yield* drain(false);
    }
  }
  yield* drain(true);
}

/** One page of one cursor; advances the cursor. */
async function queryPage(context: StoreContext, cursor: Cursor, pageSize: number): Promise<Item[]> {
  try {
    const output = await context.client.send(
      new QueryCommand({
        TableName: context.tableName,
        IndexName: cursor.index,
        KeyConditionExpression: cursor.keyCondition,
        FilterExpression: cursor.filter,
        ExpressionAttributeValues: { ...cursor.values, ':partition': S(cursor.partition) },
        ExclusiveStartKey: cursor.startKey,
        Limit: pageSize,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    const stats = context.readStats;
    stats.queries += 1;
    stats.scannedCount += output.ScannedCount ?? 0;
    stats.returnedCount += output.Count ?? 0;
    stats.consumedCapacity += capacityOf(output.ConsumedCapacity);
    cursor.startKey = output.LastEvaluatedKey;
    return output.Items ?? [];
  } catch (error) {
    throw await context.translate(error, `Query (${cursor.index} index)`);
  }
}

/** Fetches sessions by user id (BatchGetItem, 100 keys a call, unprocessed keys retried). */
async function fetchSessions(context: StoreContext, userIds: string[]): Promise<Session[]> {
  const sessions: Session[] = [];
  for (let start = 0; start < userIds.length; start += 100) {
    let keys: Record<string, AttributeValue>[] | undefined = userIds
      .slice(start, start + 100)
      .map((userId) => ({ userId: S(userId) }));
    for (let round = 0; keys && keys.length > 0; round++) {
      if (round >= 8)
        throw new StoreError('BatchGetItem kept leaving keys unprocessed', { retryable: true });
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** round));
      const request: BatchGetItemCommandInput['RequestItems'] = {
        [context.tableName]: {
          Keys: keys,
          ProjectionExpression: SESSION_PROJECTION,
          ExpressionAttributeNames: { '#state': 'state' },
        },
      };
      const output: BatchGetItemCommandOutput = await context.client
        .send(new BatchGetItemCommand({ RequestItems: request, ReturnConsumedCapacity: 'TOTAL' }))
        .catch(async (error: unknown) => {
          throw await context.translate(error, 'BatchGetItem (max-age hits)');
        });
      const items = output.Responses?.[context.tableName] ?? [];
      context.readStats.itemsFetched += items.length;
      context.readStats.consumedCapacity += capacityOf(output.ConsumedCapacity);
      sessions.push(...items.map(itemToSession));
      keys = output.UnprocessedKeys?.[context.tableName]?.Keys;
    }
  }
  return sessions;
}
