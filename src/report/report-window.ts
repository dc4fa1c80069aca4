import { InvalidArgumentError } from 'commander';
import { OUTCOME_COUNTS_RETENTION_MS } from './hourly-counts.js';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * Parses `--since`: a duration back from now such as `90m`, `24h` or `7d`,
 * at most the retention of the outcome counts (90 days).
 */
export function parseSinceDuration(raw: string): number {
  const match = /^(\d+)([mhd])$/.exec(raw.trim());
  if (!match) {
    throw new InvalidArgumentError('must be a duration such as 90m, 24h or 7d.');
  }
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms <= 0) throw new InvalidArgumentError('must be longer than 0.');
  if (ms > OUTCOME_COUNTS_RETENTION_MS) {
    throw new InvalidArgumentError('must be at most 90d (outcome counts are kept 90 days).');
  }
  return ms;
}
