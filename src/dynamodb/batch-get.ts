import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandInput,
  type BatchGetItemCommandOutput,
  type ConsumedCapacity,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { StoreError } from '../errors.js';
import type { Session } from '../sessions/session-store.js';
import { type Item, itemToSession } from './item-mapping.js';
import type { StoreContext } from './store-context.js';

const capacityOf = (consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): number =>
  [consumed ?? []].flat().reduce((sum, each) => sum + (each.CapacityUnits ?? 0), 0);

export interface BatchGetOptions {
  /** Names the read in errors: `BatchGetItem (<what>)`. */
  what: string;
  /** Attributes to read (`#state` and `#class` may be used). @default the whole item */
  projection?: string;
  /** @default false */
  consistentRead?: boolean;
  /** Told of each call's items and consumed capacity. */
  onRead?: (items: number, capacity: number) => void;
  /** Turns an SDK error into the store's. @default a StoreError naming the read */
  translate?: (error: unknown, operation: string) => Promise<Error>;
}

/** Fetches items by key (BatchGetItem, 100 keys a call, unprocessed keys retried). */
export async function batchGetItems(
  client: DynamoDBClient,
  tableName: string,
  allKeys: readonly Record<string, AttributeValue>[],
  options: BatchGetOptions,
): Promise<Item[]> {
  const operation = `BatchGetItem (${options.what})`;
  const items: Item[] = [];
  for (let start = 0; start < allKeys.length; start += 100) {
    let keys: Record<string, AttributeValue>[] | undefined = allKeys.slice(start, start + 100);
    for (let round = 0; keys && keys.length > 0; round++) {
      if (round >= 8)
        throw new StoreError(`${operation} kept leaving keys unprocessed`, { retryable: true });
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** round));
      const request: BatchGetItemCommandInput['RequestItems'] = {
        [tableName]: {
          Keys: keys,
          ...(options.consistentRead ? { ConsistentRead: true } : {}),
          ...(options.projection
            ? {
                ProjectionExpression: options.projection,
                ExpressionAttributeNames: { '#state': 'state', '#class': 'class' },
              }
            : {}),
        },
      };
      const output: BatchGetItemCommandOutput = await client
        .send(new BatchGetItemCommand({ RequestItems: request, ReturnConsumedCapacity: 'TOTAL' }))
        .catch(async (error: unknown) => {
          throw options.translate
            ? await options.translate(error, operation)
            : new StoreError(`${operation} failed: ${String(error)}`, { cause: error });
        });
      const page = output.Responses?.[tableName] ?? [];
      options.onRead?.(page.length, capacityOf(output.ConsumedCapacity));
      items.push(...page);
      keys = output.UnprocessedKeys?.[tableName]?.Keys;
    }
  }
  return items;
}

/** Fetches sessions by user id, counted in the store's read figures. */
export async function batchGetSessions(
  context: StoreContext,
  userIds: readonly string[],
  options: BatchGetOptions,
): Promise<Session[]> {
  const items = await batchGetItems(
    context.client,
    context.tableName,
    userIds.map((userId) => ({ userId: { S: userId } })),
    {
      ...options,
      onRead: (count, capacity) => {
        context.readStats.itemsFetched += count;
        context.readStats.consumedCapacity += capacity;
      },
      translate: (error, operation) => context.translate(error, operation),
    },
  );
  return items.map(itemToSession);
}
