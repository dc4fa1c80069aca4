import { ValidationError } from '../errors.js';
import { integerField, userIdField, userIdListField } from '../payload/fields.js';

/** Most user ids one heartbeat may carry (the 16 KiB body cap allows about this many short ids). */
export const MAX_HEARTBEAT_BATCH = 1000;

/**
 * How far ahead of the server's clock a disconnect's `at` may be: the same
 * slack the signature's replay window gives the sender's clock.
 */
export const MAX_FUTURE_SKEW_MS = 300_000;

export interface DisconnectPayload {
  userId: string;
  /** When the user disconnected, epoch ms. */
  at: number;
}

/**
 * `{ "userId": "...", "at"?: epochMs }`; `at` defaults to `now`. Unknown
 * fields are ignored so senders may add their own. Throws {@link ValidationError}.
 */
export function parseDisconnectPayload(
  payload: Record<string, unknown>,
  now: number,
): DisconnectPayload {
  const userId = userIdField('userId', payload.userId);
  if (payload.at === undefined) return { userId, at: now };
  const at = integerField('at', payload.at, 0);
  if (at > now + MAX_FUTURE_SKEW_MS) {
    throw new ValidationError('at', 'must not be in the future (epoch milliseconds)');
  }
  return { userId, at };
}

/**
 * `{ "userId": "..." }` or `{ "userIds": [...] }` (1..{@link MAX_HEARTBEAT_BATCH},
 * duplicates dropped). Exactly one of the two. Throws {@link ValidationError}.
 */
export function parseHeartbeatPayload(payload: Record<string, unknown>): string[] {
  const hasOne = payload.userId !== undefined;
  const hasMany = payload.userIds !== undefined;
  if (hasOne && hasMany) {
    throw new ValidationError('userIds', 'send either userId or userIds, not both');
  }
  if (hasOne) return [userIdField('userId', payload.userId)];
  if (hasMany) return userIdListField('userIds', payload.userIds, MAX_HEARTBEAT_BATCH);
  throw new ValidationError('userId', 'is required (or userIds, a list)');
}
