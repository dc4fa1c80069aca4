import { REAP_REASONS } from '../report/reap-reason.js';
import type { Report } from '../report/report.js';
import { renderTable } from './render-table.js';

const fmt = (n: number | null | undefined, digits = 1): string =>
  n === null || n === undefined
    ? 'n/a'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits });

/** The report for a terminal: totals, one row per reason, the drift. */
export function renderReportText(
  report: Report,
  options: { driftUnavailable?: string } = {},
): string {
  const money = report.idleSeatCost !== undefined;
  const header = ['reason', 'destroyed', 'failed', 'idle seat h', 'reap p50 s', 'reap p90 s'];
  if (money) header.push('idle seat cost');
  const rows = REAP_REASONS.map((reason) => {
    const row: (string | number)[] = [
      reason,
      report.destroyed.byReason[reason],
      report.failedByReason[reason],
      Math.round((report.idleSeatSecondsByReason[reason] / 3600) * 100) / 100,
      fmt(report.timeToReap.byReason[reason].p50),
      fmt(report.timeToReap.byReason[reason].p90),
    ];
    if (money) row.push(report.idleSeatCostByReason?.[reason] ?? 0);
    return row;
  });
  const drift = report.drift
    ? `drift: CAR running ${fmt(report.drift.carRunning, 0)}, tracked ${fmt(report.drift.tracked, 0)}, untracked ${fmt(report.drift.untracked, 0)}`
    : `drift: unknown (${options.driftUnavailable ?? 'CAR was not asked'})`;
  const cost = money
    ? ` = ${fmt(report.idleSeatCost, 2)} at ${fmt(report.seatHourPrice, 4)} per seat-hour`
    : '';
  return [
    `report ${report.since} to ${report.until}`,
    '',
    renderTable(header, rows),
    '',
    `destroyed ${fmt(report.destroyed.total, 0)} (already gone ${fmt(report.alreadyGone, 0)}), failed ${fmt(report.failed, 0)}, retries pending ${fmt(report.retryPending, 0)}`,
    `idle seat time ${fmt(report.idleSeatSeconds / 3600, 2)} seat-hours${cost}`,
    drift,
    '',
  ].join('\n');
}
