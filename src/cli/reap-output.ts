import type { ReapSummary } from '../reaper/types.js';
import { plural } from './plural.js';
import { renderTable } from './render-table.js';

const WOULD_DESTROY_SHOWN = 20;

/** The short table a reap or destroy ends with on a terminal (and in plain output). */
export function renderReapSummary(summary: ReapSummary, quotaRps: number): string {
  const seconds = (summary.durationMs / 1000).toFixed(1);
  const head = summary.dryRun
    ? `dry run: ${summary.candidates.toLocaleString('en-US')} due, nothing destroyed (${seconds} s)`
    : `${summary.trigger} reap: ${plural(summary.candidates, 'candidate')} in ${seconds} s, ` +
      `${summary.achievedRps.toFixed(1)}/${quotaRps} destroys per second`;
  const lines = [head];
  if (!summary.dryRun) {
    lines.push(
      '',
      renderTable(
        ['outcome', 'sessions'],
        [
          ['destroyed', summary.destroyed],
          ['  of which already gone', summary.alreadyGone],
          ['retry later', summary.retried],
          ['failed', summary.failed],
          ['skipped (active again)', summary.skipped],
          ['skipped (exempt)', summary.skippedExempt ?? 0],
          ['throttled answers', summary.throttled],
          // Only with warnings on (WARN_BEFORE_SECONDS or a class's own).
          ...(summary.warned === undefined
            ? []
            : [
                ['warned', summary.warned],
                ['waiting for their warning', summary.awaitingWarning ?? 0],
              ]),
        ],
      ),
    );
  }
  const events = summary.events;
  if (events && (events.kept > 0 || events.dropped > 0)) {
    lines.push(
      `events: ${events.delivered} delivered, ${events.kept} kept for the next run` +
        (events.dropped > 0 ? `, ${events.dropped} lost (see the log)` : ''),
    );
  }
  const would =
    summary.wouldDestroySessions?.map((s) => `${s.userId} (${s.class}, ${s.reason})`) ??
    summary.wouldDestroy ??
    [];
  if (summary.dryRun && summary.skippedExempt) {
    lines.push(`left alone: ${summary.skippedExempt.toLocaleString('en-US')} exempt`);
  }
  if (summary.dryRun && would.length > 0) {
    const shown = would.slice(0, WOULD_DESTROY_SHOWN).join(', ');
    const more =
      would.length > WOULD_DESTROY_SHOWN ? ` and ${would.length - WOULD_DESTROY_SHOWN} more` : '';
    lines.push(`would destroy: ${shown}${more}`);
  }
  if (summary.stoppedAt) lines.push(`stopped early: ${stopExplanation(summary)}`);
  return `${lines.join('\n')}\n`;
}

function stopExplanation(summary: ReapSummary): string {
  switch (summary.stoppedAt) {
    case 'limit':
      return 'reached --limit (the brake against mass destroys); run again to continue';
    case 'deadline':
      return 'deadline reached; the next run picks up the rest';
    case 'aborted':
      return 'interrupted; claims were released and every outcome recorded';
    case 'auth':
      return `CAR refused the credentials${summary.error ? ` (${summary.error.code})` : ''}`;
    case 'outage':
      return 'CAR kept failing (circuit breaker open); the sessions stay due for the next run';
    default:
      return String(summary.stoppedAt);
  }
}
