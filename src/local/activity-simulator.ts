import type { WebhookClient } from '../client/webhook-client.js';

/**
 * The demo's connected users: every `intervalMs` they send one batched
 * heartbeat through the webhook endpoint, as a signalling server would. A
 * user who disconnects (the `/disconnect` webhook) stops sending, like a
 * closed tab.
 */
export class ActivitySimulator {
  private readonly connected: Set<string>;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  /** Heartbeat requests that failed (shown, never fatal to the demo). */
  failures = 0;
  lastError: string | undefined;

  constructor(
    private readonly client: WebhookClient,
    userIds: readonly string[],
    private readonly intervalMs: number,
  ) {
    this.connected = new Set(userIds);
  }

  /** Users still sending heartbeats. */
  get size(): number {
    return this.connected.size;
  }

  /** The user left: no more heartbeats from them. */
  leave(userId: string): void {
    this.connected.delete(userId);
  }

  start(): void {
    this.timer ??= setInterval(() => {
      this.sending = this.sending.then(() => this.beat());
    }, this.intervalMs);
  }

  private async beat(): Promise<void> {
    if (this.connected.size === 0) return;
    try {
      await this.client.heartbeat([...this.connected]);
    } catch (error) {
      this.failures++;
      this.lastError = error instanceof Error ? error.message : String(error);
    }
  }

  /** Stops the timer and waits for a heartbeat in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sending;
  }
}
