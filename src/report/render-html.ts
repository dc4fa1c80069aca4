import { REAP_REASONS, type ReapReason } from './reap-reason.js';
import type { Report } from './report.js';
import { escapeXml, type Series, stackedBarChart } from './svg-charts.js';

/** One color per reason, the same in every chart. */
export const REASON_COLORS: Record<ReapReason, string> = {
  idle: '#4e79a7',
  disconnected: '#f28e2b',
  maxAge: '#76b7b2',
  manual: '#b07aa1',
};

const fmt = (n: number | null | undefined, digits = 1): string =>
  n === null || n === undefined
    ? 'n/a'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits });

const reasonSeries = (values: (reason: ReapReason) => number[]): Series[] =>
  REAP_REASONS.map((reason) => ({
    name: reason,
    color: REASON_COLORS[reason],
    values: values(reason),
  }));

function driftSection(report: Report, driftUnavailable?: string): string {
  const drift = report.drift;
  if (!drift) {
    return `<p>Drift unknown: ${escapeXml(driftUnavailable ?? 'CAR was not asked')}.</p>`;
  }
  const chart = stackedBarChart({
    title: 'Current drift',
    labels: ['CAR running', 'tracked in the table'],
    series: [
      {
        name: 'tracked',
        color: '#59a14f',
        values: [drift.carRunning - drift.untracked, drift.tracked],
      },
      { name: 'untracked', color: '#e15759', values: [drift.untracked, 0] },
    ],
  });
  return (
    `<p>CAR reports <b>${fmt(drift.carRunning, 0)}</b> running seats; the table holds <b>${fmt(drift.tracked, 0)}</b> live sessions; ` +
    `<b>${fmt(drift.untracked, 0)}</b> untracked (seats the reaper cannot see, so never ends).</p>${chart}`
  );
}

/**
 * The report as one self-contained HTML page: inline CSS and SVG, no script,
 * nothing fetched. Charts: destroys per hour by reason, idle seat time per
 * day, time-to-reap percentiles by reason, and the drift now.
 */
export function renderReportHtml(
  report: Report,
  options: { driftUnavailable?: string } = {},
): string {
  const hourLabels = report.byHour.map(
    (hour) => `${hour.hour.slice(5, 10)} ${hour.hour.slice(11, 13)}h`,
  );
  const destroysPerHour = stackedBarChart({
    title: 'Destroys per hour by reason',
    labels: hourLabels,
    series: reasonSeries((reason) => report.byHour.map((hour) => hour.byReason[reason])),
  });
  const seatPerDay = stackedBarChart({
    title: 'Idle seat time per day (hours)',
    labels: report.byDay.map((day) => day.day),
    unit: ' h',
    series: reasonSeries((reason) =>
      report.byDay.map((day) => day.idleSeatSecondsByReason[reason] / 3600),
    ),
  });
  // Only reasons with a due time and reaps in the window: manual destroys have none.
  const percentileLabels = ['p50', 'p90', 'p99'] as const;
  const timed = REAP_REASONS.filter((reason) => report.timeToReap.byReason[reason].count > 0);
  const timeToReap = stackedBarChart({
    title: 'Time to reap after becoming due (seconds)',
    labels: timed.flatMap((reason) => percentileLabels.map((p) => `${reason} ${p}`)),
    unit: ' s',
    labelEvery: 1,
    series: reasonSeries((reason) =>
      timed.flatMap((each) =>
        percentileLabels.map((p) =>
          each === reason ? (report.timeToReap.byReason[each][p] ?? 0) : 0,
        ),
      ),
    ),
  });
  const money =
    report.idleSeatCost !== undefined
      ? `<li>Idle seat cost: <b>${fmt(report.idleSeatCost, 2)}</b> at ${fmt(report.seatHourPrice, 4)} per seat-hour</li>`
      : '';
  const rows = REAP_REASONS.map(
    (reason) =>
      `<tr><td>${reason}</td><td>${fmt(report.destroyed.byReason[reason], 0)}</td><td>${fmt(report.failedByReason[reason], 0)}</td>` +
      `<td>${fmt(report.idleSeatSecondsByReason[reason] / 3600, 2)}</td><td>${fmt(report.timeToReap.byReason[reason].p50)}</td>` +
      `<td>${fmt(report.timeToReap.byReason[reason].p90)}</td><td>${fmt(report.timeToReap.byReason[reason].p99)}</td></tr>`,
  ).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>car-reaper report ${escapeXml(report.since)} to ${escapeXml(report.until)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 800px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; } td, th { padding: 2px 10px; text-align: right; border-bottom: 1px solid #eee; }
td:first-child, th:first-child { text-align: left; }
svg { display: block; max-width: 100%; height: auto; }
</style>
</head>
<body>
<h1>What reaping did, ${escapeXml(report.since)} to ${escapeXml(report.until)}</h1>
<ul>
<li>Destroyed: <b>${fmt(report.destroyed.total, 0)}</b> (already gone: ${fmt(report.alreadyGone, 0)}); failed: ${fmt(report.failed, 0)}; retries pending now: ${fmt(report.retryPending, 0)}</li>
<li>Idle seat time: <b>${fmt(report.idleSeatSeconds / 3600, 2)} seat-hours</b> paid for after the last activity</li>
${money}
</ul>
<table><tr><th>reason</th><th>destroyed</th><th>failed</th><th>idle seat-hours</th><th>p50 s</th><th>p90 s</th><th>p99 s</th></tr>${rows}</table>
<h2>Destroys per hour</h2>
${destroysPerHour}
<h2>Idle seat time per day</h2>
${seatPerDay}
<h2>Time to reap after becoming due</h2>
${timeToReap}
<h2>Drift now</h2>
${driftSection(report, options.driftUnavailable)}
</body>
</html>
`;
}
