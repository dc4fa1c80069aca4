import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { deadlineFrom } from '../../../src/lambda/deadline.js';
import { fromHttpApiEvent, toHttpApiResult } from '../../../src/lambda/http-event.js';
import {
  addReapMetrics,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '../../../src/lambda/observability.js';
import { summary } from '../../helpers/webhook-fakes.js';

describe('Function: addReapMetrics', () => {
  it('emits the run figures as EMF under the namespace and service the alarms watch', () => {
    const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
    addReapMetrics(
      metrics,
      summary({
        trigger: 'schedule',
        candidates: 5,
        destroyed: 3,
        failed: 2,
        throttled: 1,
        achievedRps: 42.5,
      }),
    );
    const emf = metrics.serializeMetrics();
    const directive = emf._aws.CloudWatchMetrics[0];
    expect(directive?.Namespace).toBe('CarReaper');
    expect(directive?.Dimensions).toEqual([['service']]);
    expect(directive?.Metrics.map((m) => m.Name)).toEqual(
      expect.arrayContaining(['destroyed', 'failed', 'throttled', 'achievedRps', 'candidates']),
    );
    expect(emf).toMatchObject({
      service: 'car-reaper',
      destroyed: 3,
      failed: 2,
      throttled: 1,
      achievedRps: 42.5,
      candidates: 5,
      trigger: 'schedule',
    });
  });

  it('emits the retry backlog, already-gone and terminal counts the alarms of infra/alarms.yml watch', () => {
    const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
    addReapMetrics(
      metrics,
      summary({
        destroyed: 4,
        alreadyGone: 2,
        failed: 1,
        terminalFailures: 1,
        retried: 3,
        oldestRetryAgeMs: 1_234_567,
      }),
    );
    expect(metrics.serializeMetrics()).toMatchObject({
      alreadyGone: 2,
      terminalFailures: 1,
      retryPending: 3,
      oldestRetryAgeSeconds: 1235,
    });
  });

  it('emits the warnings and the events a run could not deliver, when warnings and events are on', () => {
    const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
    addReapMetrics(metrics, summary({ warned: 7, events: { delivered: 20, kept: 3, dropped: 1 } }));
    expect(metrics.serializeMetrics()).toMatchObject({
      warned: 7,
      eventsKept: 3,
      eventsDropped: 1,
    });
    const off = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
    addReapMetrics(off, summary({}));
    expect(off.serializeMetrics()).not.toHaveProperty('warned');
  });
});

describe('Function: deadlineFrom', () => {
  it('is the remaining time less the margin, never in the past', () => {
    const clock = () => 1000;
    expect(deadlineFrom({ getRemainingTimeInMillis: () => 60_000 }, 15_000, clock)).toBe(46_000);
    expect(deadlineFrom({ getRemainingTimeInMillis: () => 5_000 }, 15_000, clock)).toBe(1000);
  });
});

describe('Function: fromHttpApiEvent', () => {
  const event = (body: string, isBase64Encoded: boolean) =>
    ({
      rawPath: '/heartbeat',
      headers: { 'x-reaper-timestamp': '1' },
      body,
      isBase64Encoded,
      requestContext: { http: { method: 'POST' } },
    }) as unknown as Parameters<typeof fromHttpApiEvent>[0];

  it('decodes a base64 body to the bytes that were signed', () => {
    const text = '{"userId":"ü"}';
    const request = fromHttpApiEvent(event(Buffer.from(text).toString('base64'), true), 16_384);
    expect(Buffer.from(request.rawBody).toString('utf8')).toBe(text);
    expect(request.method).toBe('POST');
  });

  it('leaves an oversized base64 body undecoded and still over the cap', () => {
    const huge = Buffer.alloc(20_000, 1).toString('base64');
    const request = fromHttpApiEvent(event(huge, true), 16_384);
    expect(request.rawBody).toBe(huge);
  });

  it('shapes an answer as a JSON httpApi result', () => {
    expect(toHttpApiResult({ status: 202, body: { accepted: true } })).toEqual({
      statusCode: 202,
      headers: { 'content-type': 'application/json' },
      body: '{"accepted":true}',
    });
  });
});
