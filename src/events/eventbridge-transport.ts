import type { EventBridgeClient, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { ReaperEvent } from '../reaper/reaper-events.js';
import type { DeliveryResult, EventTransport } from './delivery-queue.js';

/** The `source` of every event car-reaper puts on a bus. */
export const EVENT_SOURCE = 'car-reaper';
/** PutEvents takes at most 10 entries a call. */
export const PUT_EVENTS_BATCH = 10;

export interface EventBridgeTransportOptions {
  /** `EVENT_BUS_NAME` */
  busName: string;
  /** @default a client for `region`, made on the first send (the SDK loads only then) */
  client?: EventBridgeClient;
  /** `AWS_REGION`, for the default client. */
  region?: string;
}

/** The entry of one event: `detail-type` is the event's type, the detail its body and id. */
export function putEventsEntry(busName: string, event: ReaperEvent): PutEventsRequestEntry {
  return {
    EventBusName: busName,
    Source: EVENT_SOURCE,
    DetailType: event.type,
    Time: new Date(event.timestamp),
    Detail: JSON.stringify({
      id: event.id,
      type: event.type,
      timestamp: event.timestamp,
      data: event.data,
    }),
  };
}

/**
 * Puts events on an EventBridge bus, 10 to a PutEvents call. PutEvents
 * answers per entry: the entries that failed (an `ErrorCode` in their slot)
 * are reported failed and retried by the queue; a call that fails whole
 * fails all its entries.
 */
export class EventBridgeTransport implements EventTransport {
  readonly target = 'eventbridge';
  readonly batchSize = PUT_EVENTS_BATCH;

  private sdk: Promise<typeof import('./eventbridge-sdk.js')> | undefined;
  private client: EventBridgeClient | undefined;

  constructor(private readonly options: EventBridgeTransportOptions) {
    this.client = options.client;
  }

  async send(events: readonly ReaperEvent[]): Promise<DeliveryResult[]> {
    try {
      this.sdk ??= import('./eventbridge-sdk.js');
      const { EventBridgeClient, PutEventsCommand } = await this.sdk;
      this.client ??= new EventBridgeClient({ region: this.options.region });
      const output = await this.client.send(
        new PutEventsCommand({
          Entries: events.map((event) => putEventsEntry(this.options.busName, event)),
        }),
      );
      return events.map((_, i): DeliveryResult => {
        const entry = output.Entries?.[i];
        if (entry?.ErrorCode) {
          return { ok: false, error: `${entry.ErrorCode}: ${entry.ErrorMessage ?? ''}`.trim() };
        }
        if (!entry?.EventId) return { ok: false, error: 'PutEvents returned no entry' };
        return { ok: true };
      });
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return events.map(() => ({ ok: false, error: message }));
    }
  }

  /** Closes the client this transport made (not one it was given). */
  close(): void {
    if (!this.options.client) this.client?.destroy();
  }
}
