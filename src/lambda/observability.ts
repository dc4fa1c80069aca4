import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { WebhookRefusal } from '../handlers/deps.js';
import type { Logger } from '../logger.js';
import type { ReapSummary } from '../reaper/types.js';

/** CloudWatch namespace of the EMF metrics; infra/alarms.yml alarms on it. */
export const METRICS_NAMESPACE = 'CarReaper';
/** Powertools `service` (log field and the one metric dimension, matched by the alarms). */
export const SERVICE_NAME = 'car-reaper';

/**
 * Adapts a Powertools Logger to the project's Logger port, so the core logs
 * structured JSON with the Lambda context (request id, cold start) attached.
 */
export function fromPowertools(logger: PowertoolsLogger): Logger {
  const fields = (extra?: Record<string, unknown>) => (extra ? [extra] : []);
  return {
    debug: (message, extra) => logger.debug(message, ...fields(extra)),
    info: (message, extra) => logger.info(message, ...fields(extra)),
    warn: (message, extra) => logger.warn(message, ...fields(extra)),
    error: (message, extra) => logger.error(message, ...fields(extra)),
  };
}

/**
 * Adds one run's figures as EMF metrics (flushed by `publishStoredMetrics`).
 * Names match the summary fields; the only dimension is `service`, which the
 * alarms name too, so no per-trigger dimension splits the series they watch.
 */
export function addReapMetrics(metrics: Metrics, summary: ReapSummary): void {
  metrics.addMetric('candidates', MetricUnit.Count, summary.candidates);
  metrics.addMetric('destroyed', MetricUnit.Count, summary.destroyed);
  metrics.addMetric('failed', MetricUnit.Count, summary.failed);
  metrics.addMetric('terminalFailures', MetricUnit.Count, summary.terminalFailures);
  metrics.addMetric('alreadyGone', MetricUnit.Count, summary.alreadyGone);
  metrics.addMetric('retried', MetricUnit.Count, summary.retried);
  // Retries left pending by this run, and the oldest of them (since its first failure).
  metrics.addMetric('retryPending', MetricUnit.Count, summary.retried);
  metrics.addMetric(
    'oldestRetryAgeSeconds',
    MetricUnit.Seconds,
    Math.round(summary.oldestRetryAgeMs / 1000),
  );
  metrics.addMetric('returnedBeforeSend', MetricUnit.Count, summary.returned);
  metrics.addMetric('claimToSendP99Ms', MetricUnit.Milliseconds, summary.claimToSendMs.p99);
  metrics.addMetric('throttled', MetricUnit.Count, summary.throttled);
  metrics.addMetric('skipped', MetricUnit.Count, summary.skipped);
  metrics.addMetric('achievedRps', MetricUnit.CountPerSecond, summary.achievedRps);
  metrics.addMetric('durationMs', MetricUnit.Milliseconds, summary.durationMs);
  if (summary.warned !== undefined) metrics.addMetric('warned', MetricUnit.Count, summary.warned);
  // Events the run could not deliver: kept for the next run, or lost (logged with them).
  if (summary.events) {
    metrics.addMetric('eventsKept', MetricUnit.Count, summary.events.kept);
    metrics.addMetric('eventsDropped', MetricUnit.Count, summary.events.dropped);
  }
  // Searchable in Logs Insights without being a dimension (dimensions multiply series).
  metrics.addMetadata('trigger', summary.trigger);
  metrics.addMetadata('dryRun', String(summary.dryRun));
}

/** Metric counting refused webhooks, with a `reason` dimension (see `RefusalReason`). */
export const WEBHOOK_REFUSED_METRIC = 'WebhookRefused';

/**
 * Counts one refused webhook: `WebhookRefused` (Count) with dimensions
 * `service`, `route` and `reason`, in a metric set of its own so the
 * dimensions do not attach to the run figures.
 */
export function addRefusalMetric(metrics: Metrics, refusal: WebhookRefusal): void {
  const single = metrics.singleMetric();
  single.addDimensions({ route: refusal.route, reason: refusal.reason });
  single.addMetric(WEBHOOK_REFUSED_METRIC, MetricUnit.Count, 1);
}
