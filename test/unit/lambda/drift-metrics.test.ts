import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { addScheduledRunMetrics } from '../../../src/lambda/drift-metrics.js';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../../src/lambda/observability.js';
import type { Logger } from '../../../src/logger.js';

const live = { active: 7, disconnected: 2, reaping: 1, retryPending: 3, tracked: 10 };

function probe(running: number | 'down') {
  const warnings: string[] = [];
  const log = () => {};
  const logger: Logger = {
    debug: log,
    info: log,
    warn: (message) => warnings.push(message),
    error: (message) => warnings.push(message),
  };
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  const probes = {
    car: {
      describeConcurrentCount: async () =>
        running === 'down'
          ? ({
              ok: false,
              error: { class: 'retryable', code: 'NetworkError', message: 'down' },
            } as const)
          : ({ ok: true, value: { running, total: 100 } } as const),
    },
    liveSessions: async () => live,
    takeTotals: () => ({ destroyed: 2, failed: 0, idleSeatMs: 30_500 }),
    logger,
  };
  return { metrics, probes, warnings };
}

describe('Function: addScheduledRunMetrics', () => {
  it('emits drift, live sessions by state and idle seat time', async () => {
    const { metrics, probes, warnings } = probe(50);
    await addScheduledRunMetrics(metrics, probes);
    expect(metrics.serializeMetrics()).toMatchObject({
      UntrackedSessions: 40,
      TrackedLiveSessions: 10,
      CarRunningSessions: 50,
      ActiveSessions: 7,
      DisconnectedSessions: 2,
      ReapingSessions: 1,
      RetryPendingSessions: 3,
      IdleSeatSeconds: 30.5,
    });
    expect(warnings).toEqual(['CAR holds seats the table does not track']);
  });

  it('leaves the drift out, rather than reporting 0, when CAR does not answer', async () => {
    const { metrics, probes, warnings } = probe('down');
    await addScheduledRunMetrics(metrics, probes);
    const emf = metrics.serializeMetrics();
    expect(emf).toMatchObject({ TrackedLiveSessions: 10 });
    expect(emf).not.toHaveProperty('UntrackedSessions');
    expect(emf).not.toHaveProperty('CarRunningSessions');
    expect(warnings[0]).toMatch(/drift not measured/);
  });
});
