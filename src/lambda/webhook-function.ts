import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { systemClock } from '../clock.js';
import { sampledRefusalLog } from '../handlers/refusal-log.js';
import { handleWebhookRequest, type WEBHOOK_PATHS } from '../handlers/webhook-request.js';
import type { Reaper } from '../reaper/types.js';
import { MAX_WEBHOOK_BODY_BYTES } from '../webhook/signed-request.js';
import type { ActivityContainer } from './activity-container.js';
import type { LambdaContainer } from './container.js';
import { deadlineFrom } from './deadline.js';
import { fromHttpApiEvent, toHttpApiResult } from './http-event.js';
import { addReapMetrics, addRefusalMetric } from './observability.js';

/**
 * The heartbeat function's reaper: its route only records activity (a body
 * says what it is, so no heartbeat reads as a disconnect) and its container
 * has no engine; a destroy asked of it is refused.
 */
const noReaper: Reaper = {
  reap: () => Promise.reject(new Error('the heartbeat function destroys no session')),
};

/** Time kept back from an immediate destroy for recording its outcome and answering. */
export const WEBHOOK_DEADLINE_MARGIN_MS = 3_000;

/**
 * A Lambda handler (httpApi, payload 2.0) serving one webhook route with the
 * transport-free core. The route is fixed per function, whatever the stage
 * prefix of the path. Every refusal adds a `WebhookRefused` metric; refusal
 * log lines are sampled per container.
 */
export function webhookFunction(
  route: (typeof WEBHOOK_PATHS)[number],
  containerOf: () => Promise<ActivityContainer & Partial<Pick<LambdaContainer, 'reaper'>>>,
) {
  let logRefusal: ReturnType<typeof sampledRefusalLog> | undefined;
  return async (
    event: APIGatewayProxyEventV2,
    context: Context,
  ): Promise<APIGatewayProxyResultV2> => {
    const container = await containerOf();
    const { config, store, deliveries, logger, powertoolsLogger, metrics } = container;
    powertoolsLogger.addContext(context);
    logRefusal ??= sampledRefusalLog({ logger, clock: systemClock });
    const refusalLog = logRefusal;
    const request = fromHttpApiEvent(event, MAX_WEBHOOK_BODY_BYTES);
    try {
      const response = await handleWebhookRequest(
        route,
        request.headers,
        request.rawBody,
        {
          store,
          deliveries,
          reaper: container.reaper ?? noReaper,
          config,
          webhookSecret: container.webhookSecret,
          clock: systemClock,
          logger,
          deadline: () => deadlineFrom(context, WEBHOOK_DEADLINE_MARGIN_MS, systemClock),
          onReapSummary: (summary) => addReapMetrics(metrics, summary),
          onRefused: (refusal) => {
            addRefusalMetric(metrics, refusal);
            refusalLog(refusal);
          },
        },
        request.method,
      );
      return toHttpApiResult(response);
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
