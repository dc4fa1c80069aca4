import { ValidationError } from '../errors.js';
import { integerField, userIdField, userIdListField } from './fields.js';

/** Most user ids one heartbeat may carry (the 16 KiB body cap allows about this many short ids). */
export const MAX_HEARTBEAT_BATCH = 1000;

/** The `type` of a heartbeat body. */
export const HEARTBEAT_TYPE = 'session.heartbeat';
/** The `type` of a disconnect body. */
export const DISCONNECT_TYPE = 'session.disconnected';

/** What each endpoint accepts: a body's `type` binds it to one endpoint. */
export const WEBHOOK_TYPES = {
  '/heartbeat': HEARTBEAT_TYPE,
  '/disconnect': DISCONNECT_TYPE,
} as const;

/** A webhook endpoint. */
export type WebhookPath = keyof typeof WEBHOOK_TYPES;

/**
 * Throws a {@link ValidationError} unless the body's `type` is the one
 * `path` serves: a heartbeat captured in transit can never be replayed as
 * a disconnect, since the type is covered by the signature.
 */
export function assertBodyType(payload: Record<string, unknown>, path: WebhookPath): void {
  const wanted = WEBHOOK_TYPES[path];
  if (payload.type === wanted) return;
  const got = typeof payload.type === 'string' ? JSON.stringify(payload.type.slice(0, 40)) : 'none';
  throw new ValidationError('type', `must be "${wanted}" for POST ${path}, got ${got}`);
}

export interface DisconnectPayload {
  userId: string;
  /** When the user disconnected, epoch ms. */
  at: number;
}

/**
 * `{ "type": "session.disconnected", "userId": "...", "at"?: epochMs }`.
 * `at` defaults to the signed timestamp and is never later than `now`: a
 * disconnect dated ahead (a sender's clock, or a mistake) would otherwise
 * outrank activity recorded before that time and end a user who came back.
 * Unknown fields are ignored so senders may add their own. Throws {@link ValidationError}.
 *
 * @param signedAt the delivery's `webhook-timestamp`, epoch ms
 */
export function parseDisconnectPayload(
  payload: Record<string, unknown>,
  signedAt: number,
  now: number,
): DisconnectPayload {
  const userId = userIdField('userId', payload.userId);
  const at = payload.at === undefined ? signedAt : integerField('at', payload.at, 0);
  return { userId, at: Math.min(at, now) };
}

/**
 * `{ "type": "session.heartbeat", "userIds": [...] }` (1..{@link MAX_HEARTBEAT_BATCH},
 * duplicates dropped), or `"userId": "..."` for one. Exactly one of the two.
 * Throws {@link ValidationError}.
 */
export function parseHeartbeatPayload(payload: Record<string, unknown>): string[] {
  const hasOne = payload.userId !== undefined;
  const hasMany = payload.userIds !== undefined;
  if (hasOne && hasMany) {
    throw new ValidationError('userIds', 'send either userId or userIds, not both');
  }
  if (hasOne) return [userIdField('userId', payload.userId)];
  if (hasMany) return userIdListField('userIds', payload.userIds, MAX_HEARTBEAT_BATCH);
  throw new ValidationError('userIds', 'is required (a list of user ids)');
}
