import { ValidationError } from '../errors.js';
import { assertUserId, assertUserIds } from '../sessions/validation.js';
import { assertNumberAtLeast } from '../validation.js';

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

/** A user id from a payload: the store's rules (so a run never starts on an id it would refuse), and not blank. */
export function assertPayloadUserId(value: unknown, field: string): asserts value is string {
  assertUserId(value, field);
  if (value.trim() === '') throw new ValidationError(field, 'must not be empty');
}

/** A list of 1 to `max` payload user ids; the caller drops duplicates (they would do the same work). */
export function assertPayloadUserIds(
  value: unknown,
  field: string,
  max: number,
): asserts value is string[] {
  assertUserIds(value, field, { max });
  value.forEach((userId, index) => {
    assertPayloadUserId(userId, `${field}[${index}]`);
  });
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
  const { userId, at = signedAt } = payload;
  assertPayloadUserId(userId, 'userId');
  assertNumberAtLeast(at, 'at', 0, { integer: true });
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
  if (hasOne) {
    assertPayloadUserId(payload.userId, 'userId');
    return [payload.userId];
  }
  if (hasMany) {
    assertPayloadUserIds(payload.userIds, 'userIds', MAX_HEARTBEAT_BATCH);
    return [...new Set(payload.userIds)];
  }
  throw new ValidationError('userIds', 'is required (a list of user ids)');
}
