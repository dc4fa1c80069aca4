import type { Drift } from '../drift/drift.js';
import { type Histogram, histogramTotal, minimumMs, percentileMs } from './histogram.js';
import { addCounts, emptyHour, type HourCounts } from './hourly-counts.js';
import { REAP_REASONS, type ReapReason } from './reap-reason.js';

/** Percentiles of a duration, in seconds (bucket upper bounds: at most 19% high). */
export interface Percentiles {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export interface DayFigures {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  destroyed: number;
  byReason: Record<ReapReason, number>;
  idleSeatSeconds: number;
  idleSeatSecondsByReason: Record<ReapReason, number>;
  /** With a seat-hour price: the idle seat time in money. */
  idleSeatCost?: number;
}

export interface HourFigures {
  /** Start of the hour, ISO-8601. */
  hour: string;
  byReason: Record<ReapReason, number>;
}

/** What `report --json` prints. */
export interface Report {
  /** Start of the window: the requested start rounded down to its hour (counts are hourly). */
  since: string;
  until: string;
  destroyed: { total: number; byReason: Record<ReapReason, number> };
  /** Destroyed sessions CAR reported as already gone or ending. */
  alreadyGone: number;
  failed: number;
  failedByReason: Record<ReapReason, number>;
  /** Sessions waiting for a retry now (not a window figure); null when not read. */
  retryPending: number | null;
  /** Sum over destroyed sessions of `destroyedAt - lastActiveAt`. */
  idleSeatSeconds: number;
  idleSeatSecondsByReason: Record<ReapReason, number>;
  /** Idle seat time per destroyed session (bucket bounds: min is a lower bound, the rest upper). */
  idleSeatPerSession: {
    min: number | null;
    p50: number | null;
    p90: number | null;
    max: number | null;
  };
  /** From becoming due to the outcome (manual destroys have no due time and are left out). */
  timeToReap: Percentiles & { byReason: Record<ReapReason, Percentiles> };
  byDay: DayFigures[];
  byHour: HourFigures[];
  /** SEAT_HOUR_PRICE, when set: money figures are in the same unit. */
  seatHourPrice?: number;
  idleSeatCost?: number;
  idleSeatCostByReason?: Record<ReapReason, number>;
  /** CAR's running seats against the sessions the table holds live, now. */
  drift?: Drift;
  /** What building the report read from the table. */
  read: { requests: number; items: number; consumedCapacity: number };
}

export interface ReportInput {
  since: number;
  until: number;
  hours: readonly HourCounts[];
  retryPending?: number;
  drift?: Drift;
  seatHourPrice?: number;
  read: Report['read'];
}

const seconds = (ms: number | undefined): number | null =>
  ms === undefined ? null : Math.round(ms / 100) / 10;
const money = (value: number): number => Math.round(value * 100) / 100;
const sum = (values: Record<ReapReason, number>): number =>
  REAP_REASONS.reduce((total, reason) => total + values[reason], 0);
const mapReasons = <T>(make: (reason: ReapReason) => T): Record<ReapReason, T> =>
  Object.fromEntries(REAP_REASONS.map((reason) => [reason, make(reason)])) as Record<ReapReason, T>;

function percentiles(histogram: Histogram): Percentiles {
  return {
    count: histogramTotal(histogram),
    p50: seconds(percentileMs(histogram, 0.5)),
    p90: seconds(percentileMs(histogram, 0.9)),
    p99: seconds(percentileMs(histogram, 0.99)),
  };
}

const costOf = (idleSeatSeconds: number, price: number) => money((idleSeatSeconds / 3600) * price);

/** Builds the report from the hours of its window (pure). */
export function buildReport(input: ReportInput): Report {
  const total = emptyHour(input.since);
  const days = new Map<string, HourCounts>();
  for (const hour of input.hours) {
    addCounts(total, hour);
    const day = new Date(hour.hour).toISOString().slice(0, 10);
    let dayCounts = days.get(day);
    if (dayCounts === undefined) {
      dayCounts = emptyHour(hour.hour);
      days.set(day, dayCounts);
    }
    addCounts(dayCounts, hour);
  }
  const allTimeToReap: Histogram = {};
  for (const reason of REAP_REASONS) {
    for (const [bucket, count] of Object.entries(total.timeToReap[reason])) {
      allTimeToReap[Number(bucket)] = (allTimeToReap[Number(bucket)] ?? 0) + count;
    }
  }
  const idleSeatSecondsByReason = mapReasons((reason) => seconds(total.idleSeatMs[reason]) ?? 0);
  const idleSeatSeconds = seconds(sum(total.idleSeatMs)) ?? 0;
  const price = input.seatHourPrice;
  const report: Report = {
    since: new Date(input.since).toISOString(),
    until: new Date(input.until).toISOString(),
    destroyed: { total: sum(total.destroyed), byReason: { ...total.destroyed } },
    alreadyGone: sum(total.alreadyGone),
    failed: sum(total.failed),
    failedByReason: { ...total.failed },
    retryPending: input.retryPending ?? null,
    idleSeatSeconds,
    idleSeatSecondsByReason,
    idleSeatPerSession: {
      min: seconds(minimumMs(total.idleSeatPerSession)),
      p50: seconds(percentileMs(total.idleSeatPerSession, 0.5)),
      p90: seconds(percentileMs(total.idleSeatPerSession, 0.9)),
      max: seconds(percentileMs(total.idleSeatPerSession, 1)),
    },
    timeToReap: {
      ...percentiles(allTimeToReap),
      byReason: mapReasons((reason) => percentiles(total.timeToReap[reason])),
    },
    byDay: [...days].map(([day, counts]) => {
      const daySeat = seconds(sum(counts.idleSeatMs)) ?? 0;
      return {
        day,
        destroyed: sum(counts.destroyed),
        byReason: { ...counts.destroyed },
        idleSeatSeconds: daySeat,
        idleSeatSecondsByReason: mapReasons((reason) => seconds(counts.idleSeatMs[reason]) ?? 0),
        ...(price !== undefined ? { idleSeatCost: costOf(daySeat, price) } : {}),
      };
    }),
    byHour: input.hours.map((hour) => ({
      hour: new Date(hour.hour).toISOString(),
      byReason: { ...hour.destroyed },
    })),
    read: input.read,
  };
  if (price !== undefined) {
    report.seatHourPrice = price;
    report.idleSeatCost = costOf(idleSeatSeconds, price);
    report.idleSeatCostByReason = mapReasons((reason) =>
      costOf(idleSeatSecondsByReason[reason], price),
    );
  }
  if (input.drift) report.drift = input.drift;
  return report;
}
