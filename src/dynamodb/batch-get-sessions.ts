import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandInput,
  type BatchGetItemCommandOutput,
  type ConsumedCapacity,
} from '@aws-sdk/client-dynamodb';
import { StoreError } from '../errors.js';
import type { Session } from '../sessions/session-store.js';
import { itemToSession } from './item-mapping.js';
import type { StoreContext } from './store-context.js';

const S = (value: string): AttributeValue => ({ S: value });

const capacityOf = (consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): number =>
  [consumed ?? []].flat().reduce((sum, each) => sum + (each.CapacityUnits ?? 0), 0);

export interface BatchGetOptions {
  /** Names the read in errors: `BatchGetItem (<what>)`. */
  what: string;
  /** Attributes to read (`#state` and `#class` may be used). @default the whole item */
  projection?: string;
  /** @default false */
  consistentRead?: boolean;
}

/** Fetches sessions by user id (BatchGetItem, 100 keys a call, unprocessed keys retried). */
export async function batchGetSessions(
  context: StoreContext,
  userIds: readonly string[],
  options: BatchGetOptions,
): Promise<Session[]> {
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
          ...(options.consistentRead ? { ConsistentRead: true } : {}),
          ...(options.projection
            ? {
                ProjectionExpression: options.projection,
                ExpressionAttributeNames: { '#state': 'state', '#class': 'class' },
              }
            : {}),
        },
      };
      const output: BatchGetItemCommandOutput = await context.client
        .send(new BatchGetItemCommand({ RequestItems: request, ReturnConsumedCapacity: 'TOTAL' }))
        .catch(async (error: unknown) => {
          throw await context.translate(error, `BatchGetItem (${options.what})`);
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
