import { ValidationError } from '../errors.js';
import type { ReapOptions } from '../reaper/types.js';
import { assertBoolean, assertNumberAtLeast } from '../validation.js';
import { assertPayloadUserIds } from '../webhook/payloads.js';

/** The keys a manual reap payload may carry; anything else is refused so a typo fails fast. */
export const REAP_PAYLOAD_KEYS = [
  'dryRun',
  'idleTimeoutSeconds',
  'maxAgeSeconds',
  'limit',
  'userIds',
] as const;

/** Most user ids one manual reap may name. */
export const MAX_REAP_USER_IDS = 10_000;

/** A validated manual reap payload, as engine options (seconds turned into ms). */
export type ManualReapOptions = Pick<
  ReapOptions,
  'dryRun' | 'idleTimeoutMs' | 'maxAgeMs' | 'limit' | 'userIds'
>;

const allowed = new Set<string>(REAP_PAYLOAD_KEYS);

/**
 * A key as it can be named in a message: plain names as they are, anything
 * else (empty, spaces, control characters) quoted and cut, so the message
 * always shows which key was refused and never carries raw control characters.
 */
const fieldName = (key: string): string =>
  /^[A-Za-z_$][\w$]{0,63}$/.test(key) ? key : JSON.stringify(key.slice(0, 64));

/**
 * Validates `{ dryRun, idleTimeoutSeconds, maxAgeSeconds, limit, userIds }`
 * (all optional). `undefined`/`null`/`{}` mean "a normal run". Throws a
 * {@link ValidationError} naming the field; an unknown key is refused with the
 * list of allowed ones.
 */
export function parseReapPayload(input: unknown): ManualReapOptions {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new ValidationError('payload', 'must be a JSON object');
  }
  const payload = input as Record<string, unknown>;
  const unknown = Object.keys(payload).filter((key) => !allowed.has(key));
  if (unknown.length > 0) {
    throw new ValidationError(
      fieldName(unknown[0] as string),
      `unknown key; allowed keys are ${REAP_PAYLOAD_KEYS.join(', ')}`,
    );
  }
  const { dryRun, idleTimeoutSeconds, maxAgeSeconds, limit, userIds } = payload;
  const options: ManualReapOptions = {};
  if (dryRun !== undefined) {
    assertBoolean(dryRun, 'dryRun');
    options.dryRun = dryRun;
  }
  if (idleTimeoutSeconds !== undefined) {
    assertNumberAtLeast(idleTimeoutSeconds, 'idleTimeoutSeconds', 1, { integer: true });
    options.idleTimeoutMs = idleTimeoutSeconds * 1000;
  }
  if (maxAgeSeconds !== undefined) {
    // 0 turns the age cap off, as MAX_SESSION_AGE_SECONDS=0 does.
    assertNumberAtLeast(maxAgeSeconds, 'maxAgeSeconds', 0, { integer: true });
    options.maxAgeMs = maxAgeSeconds * 1000;
  }
  if (limit !== undefined) {
    assertNumberAtLeast(limit, 'limit', 1, { integer: true });
    options.limit = limit;
  }
  if (userIds !== undefined) {
    assertPayloadUserIds(userIds, 'userIds', MAX_REAP_USER_IDS);
    options.userIds = [...new Set(userIds)];
  }
  return options;
}
