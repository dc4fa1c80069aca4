import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fnv1a } from '../sessions/shard.js';
import { verifyWebhookSignature } from '../webhook/signature.js';

/** What the demo's clients saw of the reaper's events. */
export interface DemoEventCounts {
  /** Users warned (distinct warnings). */
  warned: number;
  /** Warnings answered with "I'm still here". */
  answered: number;
  /** `session.destroyed` events received. */
  reaped: number;
  /** Deliveries refused because their signature did not verify. */
  refused: number;
}

export interface DemoClientsOptions {
  /** `EVENTS_WEBHOOK_SECRET` */
  secret: string;
  /** Records the user's answer (the demo sends a heartbeat through the webhook). */
  answer(userId: string): Promise<void>;
  /** @default half of the users, picked by a hash of the user id */
  answers?: (userId: string) => boolean;
}

/** Half of the users answer their warnings: the same half on every run of the demo. */
export const answersWarnings = (userId: string): boolean => fnv1a(userId) % 2 === 0;

/**
 * The demo's simulated clients, as a customer's backend would run them: a
 * local receiver of the reaper's events that checks each delivery's
 * Standard Webhooks signature, counts each event once (by `webhook-id`),
 * and on a `session.warning` shows the user a countdown, which half of the
 * users answer ("I'm still here": their activity is recorded, and the reap
 * does not happen).
 */
export class DemoClients {
  readonly counts: DemoEventCounts = { warned: 0, answered: 0, reaped: 0, refused: 0 };
  private readonly seen = new Set<string>();
  private server: Server | undefined;
  private readonly answering = new Set<Promise<void>>();
  url = '';

  constructor(private readonly options: DemoClientsOptions) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.writeHead(this.receive(req.headers, Buffer.concat(chunks).toString('utf8'))).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  }

  /** Stops receiving and waits for the answers under way. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await Promise.all([...this.answering]);
  }

  private receive(headers: Record<string, string | string[] | undefined>, body: string): number {
    const header = (name: string) => {
      const value = headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const id = header('webhook-id');
    // The same verifier as the reaper's own webhooks: a receiver checks what a sender signs.
    const verified = verifyWebhookSignature({
      secrets: this.options.secret,
      id,
      timestamp: header('webhook-timestamp'),
      signature: header('webhook-signature'),
      rawBody: body,
      now: Date.now(),
    });
    if (!verified.ok || id === undefined) {
      this.counts.refused++;
      return 401;
    }
    if (this.seen.has(id)) return 204;
    this.seen.add(id);
    const event = JSON.parse(body) as { type: string; data: { userId?: string } };
    const userId = event.data.userId;
    if (event.type === 'session.destroyed') this.counts.reaped++;
    if (event.type === 'session.warning' && userId !== undefined) {
      this.counts.warned++;
      if ((this.options.answers ?? answersWarnings)(userId)) this.answerFor(userId);
    }
    return 204;
  }

  private answerFor(userId: string): void {
    const answer: Promise<void> = this.options
      .answer(userId)
      .then(() => {
        this.counts.answered++;
      })
      .catch(() => undefined)
      .finally(() => this.answering.delete(answer));
    this.answering.add(answer);
  }
}
