import {
  type AttributeValue,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { StoreError } from '../errors.js';
import type { Item } from './item-mapping.js';
import type { StoreContext } from './store-context.js';
import { isConditionalCheckFailed } from './store-errors.js';

/**
 * A write that either went through (with the item as it was, when the write
 * asked for ReturnValues ALL_OLD), or found the item changed (returned as it is now).
 */
export type WriteResult =
  | { written: true; previous?: Item }
  | { written: false; current: Item | undefined };

/** Optimistic-concurrency rounds before giving up on an item that keeps changing. @default 8 */
export const MAX_WRITE_ROUNDS = 8;

const conflict = (error: unknown): WriteResult | undefined =>
  isConditionalCheckFailed(error)
    ? { written: false, current: (error as { Item?: Item }).Item }
    : undefined;

/** An UpdateItem whose failed condition yields the current item instead of an error. */
export async function updateIfMatches(
  context: StoreContext,
  input: Omit<UpdateItemCommandInput, 'TableName' | 'ReturnValuesOnConditionCheckFailure'>,
  operation: string,
): Promise<WriteResult> {
  try {
    const output = await context.client.send(
      new UpdateItemCommand({
        ...input,
        TableName: context.tableName,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { written: true, previous: output.Attributes };
  } catch (error) {
    const result = conflict(error);
    if (result) return result;
    throw await context.translate(error, operation);
  }
}

/**
 * Replaces the item by `next` (or deletes it when `next` is undefined) if it
 * is still at `version` (undefined: still absent), plus `extra` conditions.
 * Every store write bumps the version except a heartbeat that moves only an
 * active session's lastActiveAt: a caller that may race one also conditions
 * on lastActiveAt (activity.ts), so this cannot overwrite a change it did not see.
 */
export async function replaceIfUnchanged(
  context: StoreContext,
  userId: string,
  next: Item | undefined,
  version: number | undefined,
  operation: string,
  extra?: {
    condition: string;
    names?: Record<string, string>;
    values: Record<string, AttributeValue>;
  },
): Promise<WriteResult> {
  const base =
    version === undefined ? 'attribute_not_exists(userId)' : 'version = :expectedVersion';
  const values: Record<string, AttributeValue> = { ...extra?.values };
  if (version !== undefined) values[':expectedVersion'] = { N: String(version) };
  const common = {
    TableName: context.tableName,
    ConditionExpression: extra ? `${base} AND ${extra.condition}` : base,
    ...(extra?.names ? { ExpressionAttributeNames: extra.names } : {}),
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
  try {
    if (next === undefined) {
      await context.client.send(
        new DeleteItemCommand({ ...common, Key: { userId: { S: userId } } }),
      );
    } else {
      await context.client.send(new PutItemCommand({ ...common, Item: next }));
    }
    return { written: true };
  } catch (error) {
    const result = conflict(error);
    if (result) return result;
    throw await context.translate(error, operation);
  }
}

/** The error when an item kept changing under every round of a read-modify-write. */
export const tooMuchContention = (userId: string, operation: string): StoreError =>
  new StoreError(
    `${operation} on session ${JSON.stringify(userId)} gave up after ${MAX_WRITE_ROUNDS} conflicting writes`,
    { retryable: true },
  );
