import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { StoreError } from '../errors.js';
import { DESTROY_SESSION_BUDGET_KEY, type SlotWrite } from '../rate/slot-math.js';
import type { SlotStore, SlotWriteResult } from '../rate/slot-store.js';

/** Options of {@link DynamoDbSlotStore}. */
export interface DynamoDbSlotStoreOptions {
  client: DynamoDBClient;
  /** The sessions table (`SESSIONS_TABLE`): the timeline is one reserved item in it. */
  tableName: string;
  /** Partition key of the item. @default DESTROY_SESSION_BUDGET_KEY */
  key?: string;
  /**
   * Give up on one write after this long (the SDK's retries included) and
   * let the budget fall back to its local share. Generous on purpose: a
   * slow write (a cold DynamoDB Local, a throttled retry) must not send a
   * process to its local share while the others still share the timeline,
   * since the two would add up; a table that is really unreachable fails
   * fast anyway (connection refused, access denied, no such table).
   * @default 10000
   */
  timeoutMs?: number;
}

/** Attribute holding the timeline's next free slot, epoch microseconds. */
export const NEXT_SLOT_ATTRIBUTE = 'nextSlotAtUs';

/**
 * The timeline as one item of the sessions table: `userId` = the reserved
 * key, `nextSlotAtUs` (N). It has no `state`, so no index of the store
 * holds it, and reserved keys are excluded from counts.
 *
 * append: `ADD next :add` if `next BETWEEN floor AND ceiling`. ADD is
 * atomic, so concurrent appenders never fail each other: under a backlog
 * (the timeline ahead of now, within the lookahead) every write succeeds.
 * reset: `SET next = :end` if `next` is absent or older than the floor; of
 * two processes finding the timeline idle at once, one wins, the other's
 * condition fails (the winner moved `next` past the floor) and it appends.
 * Either failure returns the item (ALL_OLD): the retry needs no read.
 */
export class DynamoDbSlotStore implements SlotStore {
  private readonly key: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: DynamoDbSlotStoreOptions) {
    this.key = options.key ?? DESTROY_SESSION_BUDGET_KEY;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async write(write: SlotWrite, signal?: AbortSignal): Promise<SlotWriteResult> {
    const common = {
      TableName: this.options.tableName,
      Key: { userId: { S: this.key } },
      ExpressionAttributeNames: { '#next': NEXT_SLOT_ATTRIBUTE },
      ReturnValues: 'UPDATED_NEW' as const,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
    const command =
      write.kind === 'reset'
        ? new UpdateItemCommand({
            ...common,
            UpdateExpression: 'SET #next = :end',
            ConditionExpression: 'attribute_not_exists(#next) OR #next < :floor',
            ExpressionAttributeValues: {
              ':end': { N: String(write.endUs) },
              ':floor': { N: String(write.floorUs) },
            },
          })
        : new UpdateItemCommand({
            ...common,
            UpdateExpression: 'ADD #next :add',
            ConditionExpression: '#next BETWEEN :floor AND :ceiling',
            ExpressionAttributeValues: {
              ':add': { N: String(write.addUs) },
              ':floor': { N: String(write.floorUs) },
              ':ceiling': { N: String(write.ceilingUs) },
            },
          });
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const abortSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const output = await this.options.client.send(command, { abortSignal });
      const next = output.Attributes?.[NEXT_SLOT_ATTRIBUTE]?.N;
      if (next === undefined) throw new StoreError('budget write returned no nextSlotAtUs');
      return { ok: true, nextUs: Number(next) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const current = error.Item?.[NEXT_SLOT_ATTRIBUTE]?.N;
        return { ok: false, currentUs: current === undefined ? undefined : Number(current) };
      }
      if (error instanceof StoreError) throw error;
      throw new StoreError(
        `budget item ${this.key} in ${this.options.tableName} could not be written`,
        { cause: error, retryable: true },
      );
    }
  }
}
