import { type Clock, systemClock } from '../clock.js';
import { eventBody, type ReaperEvent } from '../reaper/reaper-events.js';
import type { DeliveryResult, EventTransport } from './delivery-queue.js';
import { signEvent } from './sign-event.js';

export interface WebhookTransportOptions {
  /** `EVENTS_WEBHOOK_URL` */
  url: string;
  /** `EVENTS_WEBHOOK_SECRET`, `whsec_<base64>` */
  secret: string;
  clock?: Clock;
  /** Per-request timeout. @default 5000 */
  timeoutMs?: number;
}

/**
 * POSTs one event per request per Standard Webhooks: `webhook-id` (the
 * event's id, the same on every attempt), `webhook-timestamp` (unix seconds
 * of this attempt) and `webhook-signature`. A 2xx answer is a delivery;
 * anything else (another status, a network error, a timeout) is retried.
 */
export class WebhookTransport implements EventTransport {
  readonly target = 'webhook';
  readonly batchSize = 1;
  private readonly clock: Clock;

  constructor(private readonly options: WebhookTransportOptions) {
    this.clock = options.clock ?? systemClock;
  }

  async send(events: readonly ReaperEvent[]): Promise<DeliveryResult[]> {
    return Promise.all(events.map((event) => this.post(event)));
  }

  private async post(event: ReaperEvent): Promise<DeliveryResult> {
    const body = eventBody(event);
    const timestamp = Math.floor(this.clock() / 1000);
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'car-reaper',
          'webhook-id': event.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signEvent(this.options.secret, event.id, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
      // Drain the body so the connection goes back to the pool.
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return { ok: true };
      return { ok: false, error: `HTTP ${response.status}` };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return { ok: false, error: cause ? `${String(error)} (${cause})` : String(error) };
    }
  }
}
