import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Exemption, ExemptionEntry } from '../sessions/session-store.js';
import { RESERVED_USER_ID_PREFIX } from '../sessions/validation.js';
import { updateIfMatches } from './conditional-write.js';
import { type Item, itemToSession } from './item-mapping.js';
import type { StoreContext } from './store-context.js';

const N = (value: number): AttributeValue => ({ N: String(value) });
const S = (value: string): AttributeValue => ({ S: value });

/**
 * Records an exemption on one recorded session. The write bumps the version,
 * so a run that read the session before the exemption cannot claim it:
 *   t0 run reads idle session (version 7)   t1 operator exempts it: version 8
 *   t2 run claims "if version = 7"          -> fails: the session is exempt now
 * Returns false when no session is recorded for the user.
 */
export async function exemptSession(
  context: StoreContext,
  userId: string,
  exemption: Exemption,
): Promise<boolean> {
  const result = await updateIfMatches(
    context,
    {
      Key: { userId: S(userId) },
      UpdateExpression:
        'SET exemptUntil = :until, exemptReason = :reason, exemptBy = :by, exemptSetAt = :at, ' +
        'version = version + :one',
      ConditionExpression: 'attribute_exists(#state)',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: {
        ':until': N(exemption.until),
        ':reason': S(exemption.reason),
        ':by': S(exemption.by),
        ':at': N(exemption.at),
        ':one': N(1),
      },
    },
    'UpdateItem (exempt)',
  );
  return result.written;
}

/** Removes a session's exemption; returns false when it had none. */
export async function removeSessionExemption(
  context: StoreContext,
  userId: string,
): Promise<boolean> {
  const result = await updateIfMatches(
    context,
    {
      Key: { userId: S(userId) },
      UpdateExpression:
        'SET version = version + :one REMOVE exemptUntil, exemptReason, exemptBy, exemptSetAt',
      ConditionExpression: 'attribute_exists(exemptUntil)',
      ExpressionAttributeValues: { ':one': N(1) },
    },
    'UpdateItem (remove exemption)',
  );
  return result.written;
}

/**
 * Every session carrying an exemption, ended ones included, soonest end
 * first. A Scan: an operator's listing, never part of a reap cycle.
 */
export async function listSessionExemptions(context: StoreContext): Promise<ExemptionEntry[]> {
  const entries: ExemptionEntry[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    let items: Item[];
    try {
      const output = await context.client.send(
        new ScanCommand({
          TableName: context.tableName,
          ProjectionExpression:
            'userId, #state, #class, exemptUntil, exemptReason, exemptBy, exemptSetAt',
          FilterExpression: 'attribute_exists(exemptUntil) AND NOT begins_with(userId, :reserved)',
          ExpressionAttributeNames: { '#state': 'state', '#class': 'class' },
          ExpressionAttributeValues: { ':reserved': S(RESERVED_USER_ID_PREFIX) },
          ExclusiveStartKey: startKey,
        }),
      );
      items = output.Items ?? [];
      startKey = output.LastEvaluatedKey;
    } catch (error) {
      throw await context.translate(error, 'Scan (exemptions)');
    }
    for (const item of items) {
      const session = itemToSession(item);
      if (session.exemptUntil === undefined) continue;
      entries.push({
        userId: session.userId,
        state: session.state,
        ...(session.class === undefined ? {} : { class: session.class }),
        until: session.exemptUntil,
        reason: session.exemptReason ?? '',
        ...(session.exemptBy === undefined ? {} : { by: session.exemptBy }),
        ...(session.exemptSetAt === undefined ? {} : { setAt: session.exemptSetAt }),
      });
    }
  } while (startKey !== undefined);
  return entries.sort((a, b) => a.until - b.until || a.userId.localeCompare(b.userId));
}
