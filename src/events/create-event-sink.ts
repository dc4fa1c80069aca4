import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { type EventSink, fanOut, noEvents } from '../reaper/event-sink.js';
import { DeliveryQueue } from './delivery-queue.js';
import { EventBridgeTransport } from './eventbridge-transport.js';
import type { EventOutbox } from './outbox.js';
import { WebhookTransport } from './webhook-transport.js';

export interface EventSinkDeps {
  /** Where undelivered events wait for the next run (the sessions table, in DynamoDB). */
  outbox: EventOutbox;
  /** @default a client for AWS_REGION, made on the first PutEvents */
  eventBridge?: EventBridgeClient;
  clock?: Clock;
  logger?: Logger;
}

/** The sinks the config asks for (EVENTS_WEBHOOK_URL, EVENT_BUS_NAME); none when neither is set. */
export function createEventSink(
  config: Config,
  deps: EventSinkDeps,
): { sink: EventSink; close(): void } {
  const sinks: EventSink[] = [];
  let eventBridge: EventBridgeTransport | undefined;
  if (config.eventsWebhook) {
    sinks.push(
      new DeliveryQueue({
        transport: new WebhookTransport({ ...config.eventsWebhook, clock: deps.clock }),
        outbox: deps.outbox,
        clock: deps.clock,
        logger: deps.logger,
      }),
    );
  }
  if (config.eventBusName) {
    eventBridge = new EventBridgeTransport({
      busName: config.eventBusName,
      client: deps.eventBridge,
      region: config.awsRegion,
    });
    sinks.push(
      new DeliveryQueue({
        transport: eventBridge,
        outbox: deps.outbox,
        clock: deps.clock,
        logger: deps.logger,
      }),
    );
  }
  return { sink: sinks.length > 0 ? fanOut(sinks) : noEvents, close: () => eventBridge?.close() };
}
