import { describe, expect, it } from 'vitest';
import { hourCountsOf, hourKey, tallyUpdate } from '../../../src/dynamodb/outcome-counts.js';
import { addCounts, emptyHour, HOUR_MS } from '../../../src/report/hourly-counts.js';
import { renderReportHtml } from '../../../src/report/render-html.js';
import { buildReport } from '../../../src/report/report.js';
import type { TalliedOutcome } from '../../../src/report/tallied-outcome.js';

const hour = Date.UTC(2026, 10, 30, 6);

/** What the table would hold after these outcomes: each UpdateItem's ADDs applied. */
function applied(outcomes: TalliedOutcome[]) {
  const item: Record<string, { N: string }> = {};
  for (const outcome of outcomes) {
    const { names, values } = tallyUpdate(outcome);
    for (const [placeholder, name] of Object.entries(names)) {
      const value = Number(values[`:v${placeholder.slice(2)}`]?.N);
      item[name] = { N: String(Number(item[name]?.N ?? 0) + value) };
    }
  }
  return hourCountsOf(item, hour);
}

const destroyed = (at: number, idleSeatMs: number, extra: Partial<TalliedOutcome> = {}) =>
  ({
    kind: 'destroyed',
    at,
    reason: 'idle',
    alreadyGone: false,
    idleSeatMs,
    timeToReapMs: 2000,
    ...extra,
  }) as TalliedOutcome;

describe('Function: tallyUpdate', () => {
  it('adds to the item of the outcome hour, under the reserved prefix', () => {
    const update = tallyUpdate(destroyed(hour + 59 * 60_000, 12_000));
    expect(update.key).toBe('__car-reaper#outcomes#2026-11-30T06');
    expect(hourKey(hour + HOUR_MS)).toBe('__car-reaper#outcomes#2026-11-30T07');
    expect(update.update).toMatch(/^ADD .* SET hourStart = :hour, expiresAt = :ttl$/);
  });

  it('round-trips counts, sums and histograms through the item', () => {
    const counts = applied([
      destroyed(hour, 12_000),
      destroyed(hour, 20_000, { reason: 'disconnected', alreadyGone: true }),
      { kind: 'failed', at: hour, reason: 'manual', alreadyGone: false },
    ]);
    expect(counts.destroyed).toEqual({ idle: 1, disconnected: 1, maxAge: 0, manual: 0 });
    expect(counts.alreadyGone.disconnected).toBe(1);
    expect(counts.failed.manual).toBe(1);
    expect(counts.idleSeatMs).toEqual({ idle: 12_000, disconnected: 20_000, maxAge: 0, manual: 0 });
    expect(Object.values(counts.idleSeatPerSession).reduce((a, b) => a + b)).toBe(2);
  });
});

describe('Function: buildReport', () => {
  const counts = applied([
    ...Array.from({ length: 3 }, () => destroyed(hour, 12_000)),
    destroyed(hour, 7_200_000, { reason: 'maxAge' }),
  ]);

  it('totals by reason, days and hours; percentiles in seconds', () => {
    const report = buildReport({
      since: hour - HOUR_MS,
      until: hour + 1000,
      hours: [emptyHour(hour - HOUR_MS), counts],
      retryPending: 2,
      read: { requests: 1, items: 1, consumedCapacity: 0.5 },
    });
    expect(report.destroyed).toEqual({
      total: 4,
      byReason: { idle: 3, disconnected: 0, maxAge: 1, manual: 0 },
    });
    expect(report.idleSeatSeconds).toBe(36 + 7200);
    expect(report.retryPending).toBe(2);
    expect(report.byHour.map((h) => h.byReason.idle)).toEqual([0, 3]);
    expect(report.byDay).toHaveLength(1);
    expect(report.byDay[0]).toMatchObject({ day: '2026-11-30', destroyed: 4 });
    expect(report.timeToReap.p50).toBeGreaterThanOrEqual(2);
    expect(report.timeToReap.p50).toBeLessThanOrEqual(2.4);
    expect(report).not.toHaveProperty('idleSeatCost');
  });

  it('shows money only with a seat-hour price', () => {
    const report = buildReport({
      since: hour,
      until: hour + 1000,
      hours: [addCounts(emptyHour(hour), counts)],
      seatHourPrice: 1,
      read: { requests: 1, items: 1, consumedCapacity: 0.5 },
    });
    expect(report.idleSeatCostByReason?.maxAge).toBe(2);
    expect(report.idleSeatCost).toBe(2.01);
    expect(report.byDay[0]?.idleSeatCost).toBe(2.01);
  });
});

describe('Function: renderReportHtml', () => {
  it('is one page with inline charts, no script and no fetched resource', () => {
    const report = buildReport({
      since: hour,
      until: hour + 1000,
      hours: [applied([destroyed(hour, 12_000)])],
      drift: { carRunning: 50, tracked: 10, untracked: 40 },
      read: { requests: 1, items: 1, consumedCapacity: 0.5 },
    });
    const html = renderReportHtml(report);
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html).toContain('<b>40</b> untracked');
    expect(html).not.toMatch(/<script|<link|src=|url\(/);
  });

  it('escapes what it prints', () => {
    const report = buildReport({
      since: hour,
      until: hour,
      hours: [],
      read: { requests: 0, items: 0, consumedCapacity: 0 },
    });
    expect(renderReportHtml(report, { driftUnavailable: '<b>nope</b>' })).toContain(
      '&#60;b&#62;nope',
    );
  });
});
