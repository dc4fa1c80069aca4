import {
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { ReaperError } from '../errors.js';
import { RESERVED_USER_ID_PREFIX } from '../sessions/validation.js';
import {
  DELIVERY_LEASE_MS,
  DELIVERY_RETENTION_MS,
  type DeliveryClaim,
  type DeliveryLog,
} from '../webhook/delivery-log.js';
import type { HandlerResponse } from '../webhook/http.js';
import { TTL_ATTRIBUTE } from './schema.js';
import { isConditionalCheckFailed, toStoreError } from './store-errors.js';

/** Partition key prefix of delivery items in the sessions table. */
export const DELIVERY_KEY_PREFIX = `${RESERVED_USER_ID_PREFIX}delivery#`;

/** Options of {@link DynamoDbDeliveryLog}. */
export interface DynamoDbDeliveryLogOptions {
  client: DynamoDBClient;
  /** The sessions table (`SESSIONS_TABLE`). */
  tableName: string;
  /** Named in errors. @default 'AWS' */
  endpoint?: string;
}

/**
 * Deliveries as items of the sessions table: `userId` = `__car-reaper#delivery#<id>`,
 * `leaseUntil` (N, ms), `answer` (S, JSON) once handled, and the table's TTL
 * attribute (epoch s). No `state`, so no index holds them and counts skip
 * the reserved prefix. TTL deletes lazily (hours late at times), so the
 * conditions also treat an item past its `expiresAt` as absent.
 */
export class DynamoDbDeliveryLog implements DeliveryLog {
  constructor(private readonly options: DynamoDbDeliveryLogOptions) {}

  async begin(id: string, now: number): Promise<DeliveryClaim> {
    try {
      // Two requests with one id, A and B:
      //   A: put (no item)        -> first, handles it
      //   B: put (A's lease live) -> condition fails, ALL_OLD says in-progress
      //   A: complete (answer)    -> later repeats read the answer from ALL_OLD
      // A crashed A leaves its lease to run out; then a retry takes the id.
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: {
            userId: { S: this.key(id) },
            leaseUntil: { N: String(now + DELIVERY_LEASE_MS) },
            [TTL_ATTRIBUTE]: { N: String(expiresAtSeconds(now)) },
          },
          ConditionExpression:
            'attribute_not_exists(userId) OR #ttl < :nowSeconds OR (attribute_not_exists(answer) AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':now': { N: String(now) },
            ':nowSeconds': { N: String(Math.floor(now / 1000)) },
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'first' };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw this.failure(error, 'record');
      const answer = (error as { Item?: Record<string, { S?: string }> }).Item?.answer?.S;
      if (answer === undefined) return { kind: 'in-progress' };
      return { kind: 'repeat', answer: JSON.parse(answer) as HandlerResponse };
    }
  }

  async complete(id: string, answer: HandlerResponse, now: number): Promise<void> {
    try {
      await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { userId: { S: this.key(id) } },
          UpdateExpression: 'SET answer = :answer, #ttl = :expires',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':answer': { S: JSON.stringify(answer) },
            ':expires': { N: String(expiresAtSeconds(now)) },
          },
        }),
      );
    } catch (error) {
      throw this.failure(error, 'complete');
    }
  }

  async release(id: string): Promise<void> {
    try {
      await this.options.client.send(
        new DeleteItemCommand({
          TableName: this.options.tableName,
          Key: { userId: { S: this.key(id) } },
        }),
      );
    } catch (error) {
      throw this.failure(error, 'release');
    }
  }

  private key(id: string): string {
    return `${DELIVERY_KEY_PREFIX}${id}`;
  }

  private failure(error: unknown, action: string): ReaperError {
    return toStoreError(error, {
      operation: `webhook delivery ${action}`,
      endpoint: this.options.endpoint ?? 'AWS',
      tableName: this.options.tableName,
    });
  }
}

const expiresAtSeconds = (now: number): number => Math.ceil((now + DELIVERY_RETENTION_MS) / 1000);
