import type { HandlerResponse } from './http.js';
import { TIMESTAMP_TOLERANCE_SECONDS } from './signature.js';

/**
 * How long a delivery id is remembered. Twice the timestamp tolerance: a
 * request can be replayed for as long as its timestamp is within the
 * tolerance either way of the receiver's clock, so 2 x 300 s covers every
 * replay the signature check would still let through.
 */
export const DELIVERY_RETENTION_MS = 2 * TIMESTAMP_TOLERANCE_SECONDS * 1000;

/**
 * How long a delivery being handled holds its id. A repeat in that time is
 * told to retry later; past it (the handler crashed or timed out without
 * answering) the id can be taken again, so a sender's retry is not lost.
 * Longer than the webhook functions' timeout.
 */
export const DELIVERY_LEASE_MS = 30_000;

/** What {@link DeliveryLog.begin} found. */
export type DeliveryClaim =
  /** The id is new (or its holder gave up): handle the delivery. */
  | { kind: 'first' }
  /** The id was handled: answer what was answered then, change nothing. */
  | { kind: 'repeat'; answer: HandlerResponse }
  /** The id is being handled right now by another request. */
  | { kind: 'in-progress' };

/**
 * Remembers webhook deliveries by `webhook-id` so each is acted on once.
 * begin -> handle -> complete (answer kept for repeats) or release (a 5xx:
 * the sender's retry must be able to redo it).
 */
export interface DeliveryLog {
  /** Takes `id` for this request, unless it is taken or was handled. */
  begin(id: string, now: number): Promise<DeliveryClaim>;
  /** Records the answer given to `id`; repeats get it until the id expires. */
  complete(id: string, answer: HandlerResponse, now: number): Promise<void>;
  /** Forgets `id` (the delivery failed on our side and may be retried). */
  release(id: string): Promise<void>;
}

interface Entry {
  answer?: HandlerResponse;
  leaseUntil: number;
  expiresAt: number;
}

/**
 * A DeliveryLog in this process's memory: for tests, and for a single
 * `serve` process that has no table to share with others.
 */
export class MemoryDeliveryLog implements DeliveryLog {
  private readonly entries = new Map<string, Entry>();

  async begin(id: string, now: number): Promise<DeliveryClaim> {
    this.evictExpired(now);
    const entry = this.entries.get(id);
    if (entry?.answer) return { kind: 'repeat', answer: entry.answer };
    if (entry && entry.leaseUntil > now) return { kind: 'in-progress' };
    this.entries.set(id, {
      leaseUntil: now + DELIVERY_LEASE_MS,
      expiresAt: now + DELIVERY_RETENTION_MS,
    });
    return { kind: 'first' };
  }

  async complete(id: string, answer: HandlerResponse, now: number): Promise<void> {
    this.entries.set(id, { answer, leaseUntil: now, expiresAt: now + DELIVERY_RETENTION_MS });
  }

  async release(id: string): Promise<void> {
    this.entries.delete(id);
  }

  /** Ids remembered now (for tests). */
  get size(): number {
    return this.entries.size;
  }

  private evictExpired(now: number): void {
    for (const [id, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(id);
    }
  }
}
