import { ValidationError } from '../errors.js';
import { CLASS_NAME_PATTERN } from '../policies/session-classes.js';
import { describeType, describeValue } from '../validation.js';

/**
 * User ids starting with this prefix are reserved for the project's own items
 * in the same table (the shared rate budget); the store refuses them.
 */
export const RESERVED_USER_ID_PREFIX = '__car-reaper#';

/** Longest user id accepted, in characters (CAR documents none; this keeps items small). */
export const MAX_USER_ID_LENGTH = 256;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** Throws a {@link ValidationError} naming `field` unless `value` is a usable CAR user id. */
export function assertUserId(value: unknown, field = 'userId'): asserts value is string {
  if (typeof value !== 'string') {
    throw new ValidationError(field, `must be a string, got ${describeType(value)}`);
  }
  if (value.length === 0) throw new ValidationError(field, 'must not be empty');
  if (value.length > MAX_USER_ID_LENGTH) {
    throw new ValidationError(
      field,
      `must be at most ${MAX_USER_ID_LENGTH} characters, got ${value.length}`,
    );
  }
  if (CONTROL_CHARACTERS.test(value)) {
    throw new ValidationError(field, 'must not contain control characters');
  }
  if (value.startsWith(RESERVED_USER_ID_PREFIX)) {
    throw new ValidationError(field, `must not start with the reserved ${RESERVED_USER_ID_PREFIX}`);
  }
}

/**
 * Validates a list of user ids, naming the offending element (`userIds[3]`);
 * with `max`, a list of 1 to `max` ids.
 */
export function assertUserIds(
  value: unknown,
  field = 'userIds',
  { max }: { max?: number } = {},
): asserts value is string[] {
  if (!Array.isArray(value)) {
    throw new ValidationError(field, `must be an array of strings, got ${describeType(value)}`);
  }
  if (max !== undefined) {
    if (value.length === 0) throw new ValidationError(field, 'must not be empty');
    if (value.length > max) {
      throw new ValidationError(field, `must hold at most ${max} ids, got ${value.length}`);
    }
  }
  value.forEach((userId, index) => {
    assertUserId(userId, `${field}[${index}]`);
  });
}

/**
 * Throws unless `value` is shaped like a class name. Whether the class exists
 * is the policies' business (SessionClasses.assertKnown), checked by the caller.
 */
export function assertClassName(value: unknown, field = 'class'): asserts value is string {
  if (typeof value !== 'string' || !CLASS_NAME_PATTERN.test(value)) {
    throw new ValidationError(
      field,
      `must be 1-64 of A-Z, a-z, 0-9, _, ., - (starting with a letter or digit), got ${describeValue(value)}`,
    );
  }
}

/** Throws unless `value` is a finite, non-negative epoch-millisecond timestamp. */
export function assertTimestamp(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValidationError(
      field,
      `must be a finite number (epoch ms), got ${describeValue(value)}`,
    );
  }
  if (value < 0) throw new ValidationError(field, `must not be negative, got ${value}`);
}

/** How far ahead of the caller's clock an activity or disconnect time may be. */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

/**
 * Throws unless `value` is an epoch-ms timestamp at most {@link MAX_FUTURE_SKEW_MS}
 * after `now`: a time far ahead (microseconds given for milliseconds, say)
 * would pin a session as active, or disconnected, until then.
 */
export function assertNotFarFuture(
  value: unknown,
  field: string,
  now: number,
): asserts value is number {
  assertTimestamp(value, field);
  if (value > now + MAX_FUTURE_SKEW_MS) {
    throw new ValidationError(
      field,
      `must not be more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes in the future (epoch milliseconds), got ${value}`,
    );
  }
}
