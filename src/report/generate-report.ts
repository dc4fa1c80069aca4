import type { CarApi } from '../car/car-api.js';
import type { LiveSessionCounts } from '../drift/drift.js';
import { measureDrift } from '../drift/measure-drift.js';
import { type CountsReadStats, type HourCounts, hourOf } from './hourly-counts.js';
import { buildReport, type Report } from './report.js';

/** Where a report reads from: the hourly outcome counts and the live sessions. */
export interface ReportSource {
  readHours(
    fromHour: number,
    toHour: number,
  ): Promise<{ hours: HourCounts[]; read: CountsReadStats }>;
  countLive(): Promise<LiveSessionCounts>;
}

/** A report with what could not be read, said rather than hidden. */
export interface GeneratedReport {
  report: Report;
  /** Why there is no drift in the report (CAR not asked or not answering). */
  driftUnavailable?: string;
}

/**
 * Reads the hours of the window (one item per hour), the live sessions (for
 * retries pending and the tracked count) and, when a CAR client is given,
 * CAR's Running count for the current drift; then builds the report.
 */
export async function generateReport(input: {
  source: ReportSource;
  /** Undefined when CAR cannot be asked (no credentials): the report has no drift. */
  car?: Pick<CarApi, 'describeConcurrentCount'>;
  carUnavailable?: string;
  sinceMs: number;
  now: number;
  seatHourPrice?: number;
}): Promise<GeneratedReport> {
  const since = hourOf(input.now - input.sinceMs);
  const { hours, read } = await input.source.readHours(since, hourOf(input.now));
  let live: LiveSessionCounts;
  let driftUnavailable = input.carUnavailable;
  let drift: Report['drift'];
  if (input.car) {
    const reading = await measureDrift({
      car: input.car,
      countLive: () => input.source.countLive(),
    });
    live = reading.live;
    if (reading.ok) drift = reading.drift;
    else driftUnavailable = `${reading.error.code}: ${reading.error.message}`;
  } else {
    live = await input.source.countLive();
  }
  const report = buildReport({
    since,
    until: input.now,
    hours,
    retryPending: live.retryPending,
    drift,
    seatHourPrice: input.seatHourPrice,
    read,
  });
  return driftUnavailable === undefined ? { report } : { report, driftUnavailable };
}
