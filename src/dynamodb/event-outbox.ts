import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type Clock, systemClock } from '../clock.js';
import { StoreError } from '../errors.js';
import type { EventOutbox, OutboxEntry } from '../events/outbox.js';
import { RESERVED_USER_ID_PREFIX, SHARD_COUNT, TTL_ATTRIBUTE } from '../sessions/schema.js';
import { fnv1a } from '../sessions/shard.js';

/** How long an undelivered event is kept and retried. @default 3 days */
export const OUTBOX_RETENTION_MS = 3 * 24 * 3600 * 1000;

/** Events named in one UpdateItem (each is one expression attribute name). */
const NAMES_PER_WRITE = 50;

export interface DynamoDbOutboxOptions {
  client: DynamoDBClient;
  tableName: string;
  clock?: Clock;
  /** @default OUTBOX_RETENTION_MS */
  retentionMs?: number;
}

/** The key of the outbox item holding `target`'s events of one shard. */
export const outboxKey = (target: string, shard: number): string =>
  `${RESERVED_USER_ID_PREFIX}outbox#${target}#${String(shard).padStart(2, '0')}`;

const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });
const shardOfEvent = (eventId: string): number => fnv1a(eventId) % SHARD_COUNT;

/**
 * The outbox in the sessions table: per target, 16 items under the reserved
 * user-id prefix (no session attributes, so no index and no count sees
 * them), each a map `events` of event id to the kept entry (JSON). Writes
 * address one map entry, so two runs keeping or removing events at the same
 * time never overwrite each other. The item's TTL is pushed forward at each
 * write; an entry older than the retention is dropped when loaded.
 */
export class DynamoDbOutbox implements EventOutbox {
  private readonly clock: Clock;
  private readonly retentionMs: number;

  constructor(private readonly options: DynamoDbOutboxOptions) {
    this.clock = options.clock ?? systemClock;
    this.retentionMs = options.retentionMs ?? OUTBOX_RETENTION_MS;
  }

  async keep(target: string, entries: readonly OutboxEntry[]): Promise<void> {
    const expiresAt = Math.ceil((this.clock() + this.retentionMs) / 1000);
    for (const [shard, group] of groupByShard(entries, (e) => e.event.id)) {
      const key = outboxKey(target, shard);
      // A nested path can only be set in a map that exists: create it first (a no-op after).
      await this.update(key, 'SET events = if_not_exists(events, :empty)', {
        ':empty': { M: {} },
      });
      for (const chunk of chunks(group, NAMES_PER_WRITE)) {
        const names: Record<string, string> = {};
        const values: Record<string, AttributeValue> = { ':ttl': N(expiresAt) };
        const sets = chunk.map((entry, i) => {
          names[`#e${i}`] = entry.event.id;
          values[`:e${i}`] = S(JSON.stringify(entry));
          return `events.#e${i} = :e${i}`;
        });
        await this.update(key, `SET ${sets.join(', ')}, ${TTL_ATTRIBUTE} = :ttl`, values, names);
      }
    }
  }

  async load(target: string, limit: number): Promise<OutboxEntry[]> {
    const keys = Array.from({ length: SHARD_COUNT }, (_, shard) => ({
      userId: S(outboxKey(target, shard)),
    }));
    const items: Record<string, AttributeValue>[] = [];
    let request: Record<string, AttributeValue>[] | undefined = keys;
    for (let round = 0; request && request.length > 0; round++) {
      if (round >= 8) throw new StoreError('BatchGetItem (outbox) kept leaving keys unprocessed');
      const output: BatchGetItemCommandOutput = await this.options.client
        .send(
          new BatchGetItemCommand({
            RequestItems: { [this.options.tableName]: { Keys: request, ConsistentRead: true } },
          }),
        )
        .catch((error: unknown) => {
          throw new StoreError(`BatchGetItem (outbox) failed: ${String(error)}`, { cause: error });
        });
      items.push(...(output.Responses?.[this.options.tableName] ?? []));
      request = output.UnprocessedKeys?.[this.options.tableName]?.Keys;
    }
    const oldest = this.clock() - this.retentionMs;
    const entries: OutboxEntry[] = [];
    const expired: string[] = [];
    for (const item of items) {
      for (const [id, value] of Object.entries(item.events?.M ?? {})) {
        const entry = parseEntry(value.S);
        if (entry === undefined || entry.keptAt < oldest) expired.push(id);
        else entries.push(entry);
      }
    }
    if (expired.length > 0) await this.remove(target, expired);
    return entries.sort((a, b) => a.keptAt - b.keptAt).slice(0, limit);
  }

  async remove(target: string, eventIds: readonly string[]): Promise<void> {
    for (const [shard, group] of groupByShard(eventIds, (id) => id)) {
      for (const chunk of chunks(group, NAMES_PER_WRITE)) {
        const names: Record<string, string> = {};
        const paths = chunk.map((id, i) => {
          names[`#e${i}`] = id;
          return `events.#e${i}`;
        });
        // Nothing to remove when the item is gone (TTL): the condition fails and that is fine.
        await this.update(
          outboxKey(target, shard),
          `REMOVE ${paths.join(', ')}`,
          undefined,
          names,
          {
            ConditionExpression: 'attribute_exists(events)',
          },
        );
      }
    }
  }

  private async update(
    key: string,
    expression: string,
    values?: Record<string, AttributeValue>,
    names?: Record<string, string>,
    extra: { ConditionExpression?: string } = {},
  ): Promise<void> {
    try {
      await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { userId: S(key) },
          UpdateExpression: expression,
          ExpressionAttributeValues: values,
          ExpressionAttributeNames: names,
          ...extra,
        }),
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      if (extra.ConditionExpression && name === 'ConditionalCheckFailedException') return;
      throw new StoreError(`UpdateItem (outbox) failed: ${name}: ${String(error)}`, {
        cause: error,
      });
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

function groupByShard<T>(items: readonly T[], idOf: (item: T) => string): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const shard = shardOfEvent(idOf(item));
    const group = groups.get(shard) ?? [];
    group.push(item);
    groups.set(shard, group);
  }
  return groups;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
