import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CarApi } from '../car/car-api.js';
import type { LiveSessionCounts } from '../drift/drift.js';
import { measureDrift } from '../drift/measure-drift.js';
import type { TallyTotals } from '../dynamodb/outcome-counts.js';
import type { Logger } from '../logger.js';

/** What a scheduled run measures beside the reap itself. */
export interface ScheduledRunProbes {
  car: Pick<CarApi, 'describeConcurrentCount'>;
  liveSessions?: () => Promise<LiveSessionCounts>;
  /** The outcome counts this container added since the last run. */
  takeTotals?: () => TallyTotals;
  logger: Logger;
}

/**
 * Adds the figures of the dashboard and the drift alarm: idle seat time of the
 * sessions this container destroyed, the live sessions by state, and the
 * drift (one DescribeConcurrentCount per scheduled run, on that API's own
 * 20/s quota). A failed measurement is logged and its metrics left out, so
 * the alarm sees missing data, never a false zero.
 */
export async function addScheduledRunMetrics(
  metrics: Metrics,
  probes: ScheduledRunProbes,
): Promise<void> {
  const totals = probes.takeTotals?.();
  if (totals) metrics.addMetric('IdleSeatSeconds', MetricUnit.Seconds, totals.idleSeatMs / 1000);
  if (!probes.liveSessions) return;
  const countLive = probes.liveSessions;
  try {
    const reading = await measureDrift({ car: probes.car, countLive });
    metrics.addMetric('ActiveSessions', MetricUnit.Count, reading.live.active);
    metrics.addMetric('DisconnectedSessions', MetricUnit.Count, reading.live.disconnected);
    metrics.addMetric('ReapingSessions', MetricUnit.Count, reading.live.reaping);
    metrics.addMetric('RetryPendingSessions', MetricUnit.Count, reading.live.retryPending);
    metrics.addMetric('TrackedLiveSessions', MetricUnit.Count, reading.live.tracked);
    if (!reading.ok) {
      probes.logger.warn('drift not measured: DescribeConcurrentCount failed', reading.error);
      return;
    }
    metrics.addMetric('CarRunningSessions', MetricUnit.Count, reading.drift.carRunning);
    metrics.addMetric('UntrackedSessions', MetricUnit.Count, reading.drift.untracked);
    if (reading.drift.untracked > 0) {
      probes.logger.warn('CAR holds seats the table does not track', { ...reading.drift });
    }
  } catch (error) {
    probes.logger.error('live sessions not counted', {
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
