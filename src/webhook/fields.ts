import { ValidationError } from '../errors.js';
import { assertUserId } from '../sessions/validation.js';

/** Longest user id accepted at the edges (CAR does not document one; this keeps items small). */
export const MAX_USER_ID_LENGTH = 256;

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;

/**
 * A CAR UserId: a non-blank string of at most {@link MAX_USER_ID_LENGTH} characters,
 * without control characters or the store's reserved prefix.
 */
export function userIdField(field: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new ValidationError(field, `must be a string, got ${describe(value)}`);
  }
  if (value.trim() === '') throw new ValidationError(field, 'must not be empty');
  if (value.length > MAX_USER_ID_LENGTH) {
    throw new ValidationError(field, `must be at most ${MAX_USER_ID_LENGTH} characters`);
  }
  // The store's own rules too (control characters, the reserved prefix): an id it
  // would refuse must be refused here, before a run has destroyed the others.
  assertUserId(value, field);
  return value;
}

/** A list of user ids, 1..max long; duplicates are dropped (they would do the same work). */
export function userIdListField(field: string, value: unknown, max: number): string[] {
  if (!Array.isArray(value)) {
    throw new ValidationError(field, `must be an array of strings, got ${describe(value)}`);
  }
  if (value.length === 0) throw new ValidationError(field, 'must not be empty');
  if (value.length > max) {
    throw new ValidationError(field, `must hold at most ${max} ids, got ${value.length}`);
  }
  return [...new Set(value.map((id, index) => userIdField(`${field}[${index}]`, id)))];
}

/** A non-negative integer, at least `min`. */
export function integerField(field: string, value: unknown, min = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new ValidationError(field, `must be an integer, got ${describe(value)}`);
  }
  if (value < min) throw new ValidationError(field, `must be >= ${min}, got ${value}`);
  return value;
}

/** A boolean, strictly (no "true" strings). */
export function booleanField(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new ValidationError(field, `must be true or false, got ${describe(value)}`);
  }
  return value;
}
