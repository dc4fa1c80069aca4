import { ValidationError } from '../errors.js';
import { assertUserId } from '../sessions/validation.js';
import { assertNumberAtLeast } from '../validation.js';
import { type ReapOptions, TRIGGERS } from './types.js';

/**
 * Checks a run's options (they come from Lambda payloads and the CLI) and
 * returns the named user ids de-duplicated, in order. Throws a
 * {@link ValidationError} naming the field.
 */
export function validateReapOptions(options: ReapOptions): string[] | undefined {
  if (!TRIGGERS.includes(options.trigger)) {
    throw new ValidationError('trigger', `must be one of ${TRIGGERS.join(', ')}`);
  }
  const { deadline, idleTimeoutMs, disconnectGraceMs, maxAgeMs, limit } = options;
  if (deadline !== undefined) assertNumberAtLeast(deadline, 'deadline', 0);
  if (idleTimeoutMs !== undefined) assertNumberAtLeast(idleTimeoutMs, 'idleTimeoutMs', 1);
  if (disconnectGraceMs !== undefined) {
    assertNumberAtLeast(disconnectGraceMs, 'disconnectGraceMs', 0);
  }
  if (maxAgeMs !== undefined) assertNumberAtLeast(maxAgeMs, 'maxAgeMs', 0);
  if (limit !== undefined) assertNumberAtLeast(limit, 'limit', 0, { integer: true });
  if (options.userIds === undefined) return undefined;
  if (!Array.isArray(options.userIds)) throw new ValidationError('userIds', 'must be an array');
  const seen = new Set<string>();
  options.userIds.forEach((id, index) => {
    // The store's own rule, so a bad id is refused before any session is claimed.
    assertUserId(id, `userIds[${index}]`);
    seen.add(id);
  });
  return [...seen];
}
