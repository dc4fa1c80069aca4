import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { Session } from '../sessions/session-store.js';
import type { StoreContext } from './store-context.js';
import { isConditionalCheckFailed } from './store-errors.js';

/**
 * Records a warning, once per idle period. Timeline of the races it settles:
 *   t0 run A reads session (version 7)     t0 run B reads session (version 7)
 *   t1 A: warnedAt = t1 "if version = 7"   t2 B: same write -> fails: one warning
 *   t3 heartbeat: lastActiveAt = t3 > warnedAt: a new idle period
 * A heartbeat may move lastActiveAt without a new version, so the write also
 * requires the lastActiveAt the due time was computed from: activity between
 * the read and the write means the user is back, and nobody is warned.
 */
export async function markWarned(
  context: StoreContext,
  session: Session,
  at: number,
): Promise<boolean> {
  try {
    await context.client.send(
      new UpdateItemCommand({
        TableName: context.tableName,
        Key: { userId: { S: session.userId } },
        UpdateExpression: 'SET warnedAt = :at, version = version + :one',
        ConditionExpression:
          'version = :read AND lastActiveAt = :lastActiveAt AND #state IN (:active, :disconnected) ' +
          'AND attribute_not_exists(nextAttemptAt) AND ' +
          '(attribute_not_exists(warnedAt) OR warnedAt < lastActiveAt)',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':at': { N: String(at) },
          ':one': { N: '1' },
          ':read': { N: String(session.version) },
          ':lastActiveAt': { N: String(session.lastActiveAt) },
          ':active': { S: 'active' },
          ':disconnected': { S: 'disconnected' },
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw await context.translate(error, 'UpdateItem (warning)');
  }
}
