import {
  type AttributeValue,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  type DynamoDBClient,
  QueryCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { type Clock, systemClock } from '../clock.js';
import { StoreError } from '../errors.js';
import type { EventOutbox, OutboxEntry } from '../events/outbox.js';
import { fnv1a, SHARD_COUNT } from '../sessions/shard.js';
import { RESERVED_USER_ID_PREFIX } from '../sessions/validation.js';
import { batchGetItems } from './batch-get.js';
import { DUE_INDEX, TTL_ATTRIBUTE } from './schema.js';

/** How long an undelivered event is kept and retried. @default 3 days */
export const OUTBOX_RETENTION_MS = 3 * 24 * 3600 * 1000;

export interface DynamoDbOutboxOptions {
  client: DynamoDBClient;
  tableName: string;
  clock?: Clock;
  /** @default OUTBOX_RETENTION_MS */
  retentionMs?: number;
}

/** One shard of a target's outbox as {@link DynamoDbOutbox.load} reads it. */
interface ShardRead {
  partition: string;
  /** Keys read so far, oldest first. */
  keys: { userId: AttributeValue; keptAt: number }[];
  startKey?: Record<string, AttributeValue>;
  more: boolean;
}

const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });

/** The key of the item keeping one event for one target. */
const itemKey = (target: string, eventId: string) => ({
  userId: S(`${RESERVED_USER_ID_PREFIX}outbox#${target}#${eventId}`),
});
/** The due-index partition of one shard of a target's outbox. */
const partitionOf = (target: string, shard: number) => `outbox#${target}#${shard}`;

/**
 * The outbox in the sessions table: one item per kept event, under the
 * reserved user-id prefix, with no session state (no count and no reap
 * search reads it). The item sits in the sparse due index in partitions of
 * its own (`outbox#<target>#<shard>`, sorted by when it was kept), so a run
 * reads only the outbox, oldest first; TTL ends it after the retention.
 */
export class DynamoDbOutbox implements EventOutbox {
  private readonly clock: Clock;
  private readonly retentionMs: number;

  constructor(private readonly options: DynamoDbOutboxOptions) {
    this.clock = options.clock ?? systemClock;
    this.retentionMs = options.retentionMs ?? OUTBOX_RETENTION_MS;
  }

  async keep(target: string, entries: readonly OutboxEntry[]): Promise<void> {
    await this.write(
      entries.map((entry) => ({
        PutRequest: {
          Item: {
            ...itemKey(target, entry.event.id),
            dueShard: S(partitionOf(target, fnv1a(entry.event.id) % SHARD_COUNT)),
            dueAt: N(entry.keptAt),
            entry: S(JSON.stringify(entry)),
            [TTL_ATTRIBUTE]: N(Math.ceil((entry.keptAt + this.retentionMs) / 1000)),
          },
        },
      })),
      'keep',
    );
  }

  /**
   * The `limit` oldest events kept for `target`. Each shard is read oldest
   * first, a few keys at a time; a shard is read further while its last key
   * read is not newer than the `limit`-th oldest found so far, since it may
   * still hold older ones (a shard can hold many more than its share).
   */
  async load(target: string, limit: number): Promise<OutboxEntry[]> {
    const oldest = this.clock() - this.retentionMs;
    const shards: ShardRead[] = Array.from({ length: SHARD_COUNT }, (_, shard) => ({
      partition: partitionOf(target, shard),
      keys: [],
      more: true,
    }));
    let pageSize = Math.max(1, Math.ceil(limit / SHARD_COUNT));
    let reading = shards;
    let found: ShardRead['keys'] = [];
    while (reading.length > 0) {
      await Promise.all(reading.map((shard) => this.readMore(shard, oldest, pageSize)));
      found = shards.flatMap((shard) => shard.keys).sort((a, b) => a.keptAt - b.keptAt);
      const newest = found.length >= limit ? (found[limit - 1]?.keptAt ?? Infinity) : Infinity;
      reading = shards.filter((shard) => shard.more && (shard.keys.at(-1)?.keptAt ?? 0) <= newest);
      pageSize = limit;
    }
    const keys = found.slice(0, limit).map(({ userId }) => ({ userId }));
    const items = await batchGetItems(this.options.client, this.options.tableName, keys, {
      what: 'outbox',
      consistentRead: true,
    });
    return items
      .map((item) => parseEntry(item.entry?.S))
      .filter((entry): entry is OutboxEntry => entry !== undefined && entry.keptAt >= oldest)
      .sort((a, b) => a.keptAt - b.keptAt)
      .slice(0, limit);
  }

  async remove(target: string, eventIds: readonly string[]): Promise<void> {
    await this.write(
      eventIds.map((id) => ({ DeleteRequest: { Key: itemKey(target, id) } })),
      'remove',
    );
  }

  /** The next keys of a shard's oldest entries still within the retention, oldest first. */
  private async readMore(shard: ShardRead, oldest: number, limit: number): Promise<void> {
    try {
      const output = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          IndexName: DUE_INDEX,
          KeyConditionExpression: 'dueShard = :partition AND dueAt >= :oldest',
          ExpressionAttributeValues: { ':partition': S(shard.partition), ':oldest': N(oldest) },
          ProjectionExpression: 'userId, dueAt',
          ExclusiveStartKey: shard.startKey,
          Limit: limit,
        }),
      );
      for (const item of output.Items ?? []) {
        if (item.userId) shard.keys.push({ userId: item.userId, keptAt: Number(item.dueAt?.N) });
      }
      shard.startKey = output.LastEvaluatedKey;
      shard.more = output.LastEvaluatedKey !== undefined;
    } catch (error) {
      throw new StoreError(`Query (outbox) failed: ${String(error)}`, { cause: error });
    }
  }

  /** BatchWriteItem, 25 requests a call, unprocessed ones sent again. */
  private async write(requests: WriteRequest[], what: string): Promise<void> {
    for (let start = 0; start < requests.length; start += 25) {
      let batch: WriteRequest[] | undefined = requests.slice(start, start + 25);
      for (let round = 0; batch && batch.length > 0; round++) {
        if (round >= 8) throw new StoreError(`BatchWriteItem (outbox ${what}) kept leaving items`);
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** round));
        const output: BatchWriteItemCommandOutput = await this.options.client
          .send(new BatchWriteItemCommand({ RequestItems: { [this.options.tableName]: batch } }))
          .catch((error: unknown) => {
            throw new StoreError(`BatchWriteItem (outbox ${what}) failed: ${String(error)}`, {
              cause: error,
            });
          });
        batch = output.UnprocessedItems?.[this.options.tableName];
      }
    }
  }
}

function parseEntry(raw: string | undefined): OutboxEntry | undefined {
  if (raw === undefined) return undefined;
  try {
    const entry = JSON.parse(raw) as OutboxEntry;
    return typeof entry?.event?.id === 'string' && typeof entry.keptAt === 'number'
      ? entry
      : undefined;
  } catch {
    return undefined;
  }
}
