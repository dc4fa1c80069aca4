import { ValidationError } from '../errors.js';
import { assertUserId } from '../sessions/validation.js';
import { finiteAtLeast, integerAtLeast } from './settings.js';
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
  if (options.deadline !== undefined) finiteAtLeast('deadline', options.deadline, 0);
  if (options.idleTimeoutMs !== undefined) finiteAtLeast('idleTimeoutMs', options.idleTimeoutMs, 1);
  if (options.disconnectGraceMs !== undefined) {
    finiteAtLeast('disconnectGraceMs', options.disconnectGraceMs, 0);
  }
  if (options.maxAgeMs !== undefined) finiteAtLeast('maxAgeMs', options.maxAgeMs, 0);
  if (options.limit !== undefined) integerAtLeast('limit', options.limit, 0);
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
