import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** An event as a receiver got it: verified by the reference Standard Webhooks library. */
export interface ReceivedEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
  /** Receiver's clock when the delivery was accepted (epoch ms). */
  receivedAt: number;
}

export interface EventReceiverOptions {
  secret: string;
  /** Answers 503 to the first delivery of each event this returns true for. */
  refuseFirst?: (id: string, type: string) => boolean;
}

/**
 * A local HTTP receiver of outbound events: verifies every delivery with the
 * `standardwebhooks` package (401 when that fails), dedupes by `webhook-id`,
 * and can refuse first deliveries with 503 or go down altogether.
 */
export class EventReceiver {
  /** Accepted events, first delivery of each id only. */
  readonly events: ReceivedEvent[] = [];
  /** Deliveries per webhook-id, refused and repeated ones included. */
  readonly deliveries = new Map<string, number>();
  /** Deliveries that failed verification. */
  readonly unverified: string[] = [];
  private readonly webhook: Webhook;
  private server: Server | undefined;
  private port = 0;
  private readonly ids = new Set<string>();
  /** Called for each newly accepted event. */
  onEvent: ((event: ReceivedEvent) => void) | undefined;

  constructor(private readonly options: EventReceiverOptions) {
    this.webhook = new Webhook(options.secret);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/events`;
  }

  /** Starts listening (on the same port as before after a stop). */
  async start(): Promise<void> {
    const server = createServer((req, res) => {
      void this.handle(req).then(({ status }) => {
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening: deliveries meet a refused connection. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  ofType(type: string): ReceivedEvent[] {
    return this.events.filter((event) => event.type === type);
  }

  private async handle(req: IncomingMessage): Promise<{ status: number }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = {
      'webhook-id': String(req.headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
    };
    let payload: { type: string; timestamp: string; data: Record<string, unknown> };
    try {
      payload = this.webhook.verify(body, headers) as typeof payload;
    } catch (error) {
      this.unverified.push(`${headers['webhook-id']}: ${String(error)}`);
      return { status: 401 };
    }
    const id = headers['webhook-id'];
    const seen = this.deliveries.get(id) ?? 0;
    this.deliveries.set(id, seen + 1);
    if (seen === 0 && this.options.refuseFirst?.(id, payload.type)) return { status: 503 };
    if (!this.ids.has(id)) {
      this.ids.add(id);
      const event = { id, ...payload, receivedAt: Date.now() };
      this.events.push(event);
      this.onEvent?.(event);
    }
    return { status: 204 };
  }
}

/** A fresh `whsec_` secret for a test. */
export const testEventSecret = (): string =>
  `whsec_${Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 7 + 3) % 256)).toString('base64')}`;
