import { type AttributeValue, type ConsumedCapacity, QueryCommand } from '@aws-sdk/client-dynamodb';
import pLimit from 'p-limit';
import {
  type Cutoffs,
  cutoffsOf,
  type DueQuery,
  dueForAge,
  dueQueries,
  passesFilter,
  reasonFor,
} from '../sessions/candidate-queries.js';
import {
  type Candidate,
  type FindCandidatesOptions,
  isExemptAt,
} from '../sessions/session-store.js';
import {
  AGE_FAMILY,
  allShards,
  DUE_FAMILIES,
  shardKey,
  shuffledShards,
} from '../sessions/shard.js';
import { batchGetSessions } from './batch-get.js';
import { type Item, itemToSession } from './item-mapping.js';
import { AGE_INDEX, DUE_INDEX } from './schema.js';
import type { StoreContext } from './store-context.js';
import { retryTransient } from './transient-retry.js';

const N = (value: number): AttributeValue => ({ N: String(value) });
const S = (value: string): AttributeValue => ({ S: value });

/** Attributes fetched for a max-age hit: those the due index projects, and lastActiveAt. */
const SESSION_PROJECTION =
  'userId, #state, lastActiveAt, startedAt, disconnectedAt, attempts, nextAttemptAt, leaseExpiresAt, reapedBy, version, #class, exemptUntil, warnedAt';

/** One class of a search: its name (undefined for the default class) and cut-offs. */
interface ClassSearch {
  sessionClass?: string;
  cutoffs: Cutoffs;
}

/** A paged query over one index partition. */
interface Cursor {
  partition: string;
  index: string;
  keyCondition: string;
  values: Record<string, AttributeValue>;
  /** The due query it reads (absent for the age index, whose hits are fetched by key). */
  query?: DueQuery;
  /** The cut-offs of the class whose partition this is. */
  cutoffs: Cutoffs;
  startKey?: Record<string, AttributeValue>;
}

const capacityOf = (consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): number =>
  [consumed ?? []].flat().reduce((sum, each) => sum + (each.CapacityUnits ?? 0), 0);

/**
 * The cursors of one search, most urgent family first: leases and retries
 * once (they are due at a time of their own), then each class's disconnected
 * partitions, then each class's active ones, each with its class's cut-offs.
 */
function dueCursors(searches: readonly ClassSearch[], shards: readonly number[]): Cursor[] {
  const [base] = searches;
  if (base === undefined) return [];
  return dueQueries(base.cutoffs).flatMap((first) =>
    (first.family === 'L' || first.family === 'R' ? [base] : searches).flatMap((search) => {
      const query =
        search === base
          ? first
          : (dueQueries(search.cutoffs).find((q) => q.family === first.family) ?? first);
      return classCursors(query, search, shards);
    }),
  );
}

function classCursors(query: DueQuery, search: ClassSearch, shards: readonly number[]): Cursor[] {
  return shards.map((shard) => ({
    partition: shardKey(query.family, shard, search.sessionClass),
    index: DUE_INDEX,
    query,
    cutoffs: search.cutoffs,
    keyCondition: `dueShard = :partition AND dueAt ${query.operator} :cutoff`,
    values: { ':cutoff': N(query.value) },
  }));
}

/**
 * The candidate an entry of a due query stands for, or undefined when the
 * query's filter drops it. The index does not hold lastActiveAt: a D entry's
 * sort key is its lastActiveAt; an A entry's is its activity mark (lastActiveAt
 * is at least that), and it carries the idle cut-off its claim re-checks.
 */
function candidateOf(query: DueQuery, item: Item, cutoffs: Cutoffs): Candidate | undefined {
  const session = itemToSession(item);
  const dueAt = Number(item.dueAt?.N ?? 0);
  if (!passesFilter(query, dueAt, session)) return undefined;
  if (query.family === 'A' || query.family === 'D') session.lastActiveAt = dueAt;
  if (query.family === 'A') session.idleCutoff = cutoffs.idle;
  return { session, reason: reasonFor(query.family, session, cutoffs) };
}

function ageCursors(search: ClassSearch & { cutoffs: { age: number } }): Cursor[] {
  return allShards().map((shard) => ({
    partition: shardKey(AGE_FAMILY, shard, search.sessionClass),
    index: AGE_INDEX,
    cutoffs: search.cutoffs,
    keyCondition: 'ageShard = :partition AND startedAt <= :cutoff',
    values: { ':cutoff': N(search.cutoffs.age) },
  }));
}

/** The default class's search, then one per named class, each with its cut-offs. */
function classSearches(options: FindCandidatesOptions): ClassSearch[] {
  const named = Object.entries(options.classes ?? {}).map(([sessionClass, thresholds]) => ({
    sessionClass,
    cutoffs: cutoffsOf({ ...options, ...thresholds }),
  }));
  return [{ cutoffs: cutoffsOf(options) }, ...named];
}

/**
 * Pages of due sessions. Every family and shard is a small Query on a sparse
 * index, so the items read are the due ones (see candidate-queries.ts for the
 * one exception), never the table. The max-age rule, when on, reads the
 * KEYS_ONLY age index and fetches its hits by key. A session found twice (due
 * for two reasons) is yielded once.
 *
 * Families go most urgent first; within a family the shards go in a random
 * order per search, and pages are read only as the caller asks for them:
 * runs that overlap (several processes, a run and its continuation) then
 * mostly work on different shards, and a page is read just before its
 * sessions are claimed, so it rarely holds sessions another run has taken
 * meanwhile (each of those would cost a failed conditional write). Empty
 * partitions are probed `concurrency` at a time; once partitions return
 * items, about one read's worth of partitions (READ_LIMIT) is read at a time,
 * and a page may hold fewer than `pageSize` candidates.
 */
export async function* findDueCandidates(
  context: StoreContext,
  options: FindCandidatesOptions,
  concurrency: number,
): AsyncGenerator<Candidate[]> {
  const pageSize = options.pageSize ?? 100;
  const searches = classSearches(options);
  const cutoffsByClass = new Map(searches.map((each) => [each.sessionClass, each.cutoffs]));
  const limit = pLimit(concurrency);
  const seen = new Set<string>();
  let buffer: Candidate[] = [];
  const accept = (candidate: Candidate) => {
    if (seen.has(candidate.session.userId)) return;
    seen.add(candidate.session.userId);
    // Exempt: found by its times, held back by its exemption (read, counted, not handed out).
    if (isExemptAt(candidate.session, options.now)) options.onExempt?.(candidate);
    else buffer.push(candidate);
  };
  const drain = function* (all: boolean) {
    while (buffer.length >= pageSize || (all && buffer.length > 0)) {
      yield buffer.slice(0, pageSize);
      buffer = buffer.slice(pageSize);
    }
  };

  const queue = dueCursors(searches, shuffledShards());
  const readLimit = Math.min(pageSize, READ_LIMIT);
  let width = concurrency;
  while (queue.length > 0) {
    const wave = queue.splice(0, width);
    const pages = await Promise.all(
      wave.map((cursor) => limit(() => queryPage(context, cursor, readLimit))),
    );
    let densest = 0;
    pages.forEach((page, position) => {
      const cursor = wave[position];
      if (cursor?.query === undefined) return;
      densest = Math.max(densest, page.length);
      for (const item of page) {
        const candidate = candidateOf(cursor.query, item, cursor.cutoffs);
        if (candidate) accept(candidate);
      }
    });
    for (const cursor of wave.filter((c) => c.startKey !== undefined)) requeue(queue, cursor);
    width = waveWidth(densest, readLimit, concurrency);
    // What a wave found goes out at once: held back, it would go stale.
    yield* drain(densest > 0);
  }

  const aged = searches.filter(
    (each): each is ClassSearch & { cutoffs: { age: number } } => each.cutoffs.age !== undefined,
  );
  if (aged.length > 0) {
    let ageWave = aged.flatMap(ageCursors);
    while (ageWave.length > 0) {
      const pages = await Promise.all(
        ageWave.map((cursor) => limit(() => queryPage(context, cursor, pageSize))),
      );
      const userIds = pages
        .flat()
        .map((item) => item.userId?.S)
        .filter((userId): userId is string => userId !== undefined && !seen.has(userId));
      // A read of the search like a page: made again after a transient failure.
      const hits = await retryTransient(() =>
        batchGetSessions(context, userIds, {
          what: 'max-age hits',
          projection: SESSION_PROJECTION,
        }),
      );
      for (const session of hits) {
        const cutoffs = cutoffsByClass.get(session.class) ?? searches[0]?.cutoffs;
        if (cutoffs && dueForAge(session, cutoffs)) accept({ session, reason: 'max-age' });
      }
      ageWave = ageWave.filter((cursor) => cursor.startKey !== undefined);
      yield* drain(false);
    }
  }
  yield* drain(true);
}

/**
 * Items per Query of the due index: a small read is claimed within a second
 * or so, before other runs can take much of it. Any Query reads whole items
 * either way, so more, smaller reads cost requests, not capacity.
 */
const READ_LIMIT = 25;

/**
 * Puts a partition with more to read after the other partitions of its
 * family (round robin within the family, families still in urgency order):
 * two runs that meet on a partition do not stay in step on it.
 */
function requeue(queue: Cursor[], cursor: Cursor): void {
  const rank = (c: Cursor) => DUE_FAMILIES.indexOf(c.query?.family ?? 'A');
  const later = queue.findIndex((c) => rank(c) > rank(cursor));
  queue.splice(later === -1 ? queue.length : later, 0, cursor);
}

/**
 * Partitions to read in the next wave: about one page of candidates if each
 * holds as many as the fullest page of the last wave (`concurrency` of them
 * when it found none).
 */
export const waveWidth = (fullestPage: number, pageSize: number, concurrency: number) =>
  Math.max(1, Math.min(concurrency, Math.ceil(pageSize / Math.max(fullestPage, 1))));

/** One page of one cursor, read again after a transient failure (transient-retry.ts); advances the cursor. */
const queryPage = (context: StoreContext, cursor: Cursor, pageSize: number): Promise<Item[]> =>
  retryTransient(() => queryPageOnce(context, cursor, pageSize));

async function queryPageOnce(
  context: StoreContext,
  cursor: Cursor,
  pageSize: number,
): Promise<Item[]> {
  try {
    const output = await context.client.send(
      new QueryCommand({
        TableName: context.tableName,
        IndexName: cursor.index,
        KeyConditionExpression: cursor.keyCondition,
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
