import { type Histogram, mergeHistogram } from './histogram.js';
import { REAP_REASONS, type ReapReason } from './reap-reason.js';
import type { TalliedOutcome } from './tallied-outcome.js';

/** What reading the counts cost, as the store reports it. */
export interface CountsReadStats {
  requests: number;
  items: number;
  consumedCapacity: number;
}

/**
 * The counts of one hour of outcomes, as the report reads them back. One
 * small item per hour holds them (see src/dynamodb/outcome-counts.ts): every
 * final outcome adds to its hour's item, and a report reads one item per hour
 * of its window whatever the number of outcomes.
 */
export interface HourCounts {
  /** Start of the hour (epoch ms). */
  hour: number;
  destroyed: Record<ReapReason, number>;
  alreadyGone: Record<ReapReason, number>;
  failed: Record<ReapReason, number>;
  /** Sum of idle seat time of the destroyed sessions, ms. */
  idleSeatMs: Record<ReapReason, number>;
  /** Time to reap after becoming due, per reason. */
  timeToReap: Record<ReapReason, Histogram>;
  /** Idle seat time of each destroyed session. */
  idleSeatPerSession: Histogram;
}

export const HOUR_MS = 3_600_000;

/** How long an hour's counts are kept (TTL); a report reaches back this far. @default 90 days */
export const OUTCOME_COUNTS_RETENTION_MS = 90 * 24 * HOUR_MS;

/** Start of the hour holding `at`. */
export const hourOf = (at: number): number => Math.floor(at / HOUR_MS) * HOUR_MS;

const perReason = <T>(make: () => T): Record<ReapReason, T> =>
  Object.fromEntries(REAP_REASONS.map((reason) => [reason, make()])) as Record<ReapReason, T>;

export const emptyHour = (hour: number): HourCounts => ({
  hour,
  destroyed: perReason(() => 0),
  alreadyGone: perReason(() => 0),
  failed: perReason(() => 0),
  idleSeatMs: perReason(() => 0),
  timeToReap: perReason(() => ({})),
  idleSeatPerSession: {},
});

/** Adds `from` into `into` (hours, days, or a whole window). */
export function addCounts(into: HourCounts, from: HourCounts): HourCounts {
  for (const reason of REAP_REASONS) {
    into.destroyed[reason] += from.destroyed[reason];
    into.alreadyGone[reason] += from.alreadyGone[reason];
    into.failed[reason] += from.failed[reason];
    into.idleSeatMs[reason] += from.idleSeatMs[reason];
    mergeHistogram(into.timeToReap[reason], from.timeToReap[reason]);
  }
  mergeHistogram(into.idleSeatPerSession, from.idleSeatPerSession);
  return into;
}

/** What one outcome adds to its hour (used by the in-memory tally and in tests). */
export function countsOf(outcome: TalliedOutcome, bucket: (ms: number) => number): HourCounts {
  const counts = emptyHour(hourOf(outcome.at));
  const { reason } = outcome;
  if (outcome.kind === 'failed') {
    counts.failed[reason] = 1;
  } else {
    counts.destroyed[reason] = 1;
    if (outcome.alreadyGone) counts.alreadyGone[reason] = 1;
    counts.idleSeatMs[reason] = outcome.idleSeatMs ?? 0;
    if (outcome.idleSeatMs !== undefined) {
      counts.idleSeatPerSession[bucket(outcome.idleSeatMs)] = 1;
    }
  }
  if (outcome.timeToReapMs !== undefined) {
    counts.timeToReap[reason][bucket(outcome.timeToReapMs)] = 1;
  }
  return counts;
}
