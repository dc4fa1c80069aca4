import { fullJitterBackoff } from '../backoff.js';
import { type Clock, systemClock } from '../clock.js';
import { type Logger, silentLogger } from '../logger.js';
import type { EventSink, FlushReport } from '../reaper/event-sink.js';
import type { ReaperEvent } from '../reaper/reaper-events.js';
import type { EventOutbox, OutboxEntry } from './outbox.js';

/** What a transport reports for one event of a batch. */
export type DeliveryResult = { ok: true } | { ok: false; error: string };

/** Sends batches of events to one target; never throws (a failure is a result). */
export interface EventTransport {
  /** Names the target in the outbox and in logs: `webhook`, `eventbridge`. */
  readonly target: string;
  /** Most events per send. */
  readonly batchSize: number;
  /** One result per event, in order. */
  send(events: readonly ReaperEvent[]): Promise<DeliveryResult[]>;
}

export interface DeliveryQueueOptions {
  transport: EventTransport;
  /** Where undelivered events wait for the next run. */
  outbox: EventOutbox;
  clock?: Clock;
  logger?: Logger;
  /** Events held in memory; past it, new events go straight to the outbox. @default 1000 */
  maxQueued?: number;
  /** Sends in flight. @default 4 */
  concurrency?: number;
  /** Backoff between attempts at one event: full jitter from `baseMs`, capped. @default 500 */
  retryBaseMs?: number;
  /** @default 30_000 */
  retryCapMs?: number;
  /** Source of jitter in [0, 1). @default Math.random */
  random?: () => number;
}

interface Pending {
  event: ReaperEvent;
  attempts: number;
  keptAt?: number;
  /** Loaded from the outbox: removed from it once delivered. */
  fromOutbox: boolean;
  notBefore: number;
}

/**
 * At-least-once delivery of events to one target, off the reap's path:
 * `publish` only queues; sends go on in the background, `concurrency` at a
 * time, each failed event retried with backoff. The queue is bounded: an
 * event that finds it full is written to the outbox at once. `flush` waits
 * until the queue is empty or the deadline comes, then writes what is left
 * to the outbox; `resume` (the next run) loads it back. Event ids never
 * change, so a receiver dedupes a redelivery by its id.
 */
export class DeliveryQueue implements EventSink {
  private readonly pending: Pending[] = [];
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly maxQueued: number;
  private readonly concurrency: number;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  private readonly writes = new Set<Promise<void>>();
  private waiters: { test: () => boolean; resolve: () => void }[] = [];
  private report: FlushReport = { delivered: 0, kept: 0, dropped: 0 };
  private resumed: Promise<void> | undefined;

  constructor(private readonly options: DeliveryQueueOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.maxQueued = options.maxQueued ?? 1000;
    this.concurrency = options.concurrency ?? 4;
  }

  get target(): string {
    return this.options.transport.target;
  }

  publish(event: ReaperEvent): void {
    const entry: Pending = { event, attempts: 0, fromOutbox: false, notBefore: 0 };
    if (this.pending.length >= this.maxQueued) {
      this.keep([entry]);
      return;
    }
    this.pending.push(entry);
    this.kick();
  }

  resume(): void {
    if (this.resumed) return;
    this.resumed = this.track(
      this.options.outbox.load(this.target, this.maxQueued).then((entries) => {
        const queued = new Set(this.pending.map((p) => p.event.id));
        for (const entry of entries) {
          if (queued.has(entry.event.id)) continue;
          this.pending.push({ ...entry, fromOutbox: true, notBefore: 0 });
        }
        this.kick();
      }),
      'loading the outbox',
    );
  }

  async flush(deadline: number): Promise<FlushReport> {
    await this.resumed;
    this.kick();
    await this.idleOrDeadline(deadline);
    this.closing = true;
    this.stopTimer();
    await this.waitFor(() => this.inFlight === 0);
    const left = this.pending.splice(0);
    if (left.length > 0) {
      this.logger.warn('events not delivered in time: kept for the next run', {
        target: this.target,
        count: left.length,
      });
      this.keep(left.filter((p) => !p.fromOutbox || p.attempts > 0));
    }
    while (this.writes.size > 0) await Promise.all([...this.writes]);
    this.closing = false;
    this.resumed = undefined;
    const report = this.report;
    this.report = { delivered: 0, kept: 0, dropped: 0 };
    return report;
  }

  /** Starts sends while there is room and ready work; else sets a timer for the next retry. */
  private kick(): void {
    if (this.closing) return;
    this.stopTimer();
    const now = this.clock();
    while (this.inFlight < this.concurrency) {
      const batch = this.takeReady(now);
      if (batch.length === 0) break;
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        this.kick();
        this.changed();
      });
    }
    const next = this.pending.reduce((min, p) => Math.min(min, p.notBefore), Infinity);
    if (Number.isFinite(next) && this.inFlight < this.concurrency) {
      this.timer = setTimeout(() => this.kick(), Math.max(1, next - now));
      this.timer.unref();
    }
    this.changed();
  }

  private takeReady(now: number): Pending[] {
    const batch: Pending[] = [];
    for (let i = 0; i < this.pending.length && batch.length < this.options.transport.batchSize; ) {
      const p = this.pending[i] as Pending;
      if (p.notBefore <= now) {
        batch.push(p);
        this.pending.splice(i, 1);
      } else i++;
    }
    return batch;
  }

  private async send(batch: Pending[]): Promise<void> {
    let results: DeliveryResult[];
    try {
      results = await this.options.transport.send(batch.map((p) => p.event));
    } catch (error) {
      results = batch.map(() => ({ ok: false, error: String(error) }));
    }
    const delivered: string[] = [];
    batch.forEach((p, i) => {
      const result = results[i] ?? { ok: false, error: 'no result from the transport' };
      p.attempts++;
      if (result.ok) {
        this.report.delivered++;
        if (p.fromOutbox) delivered.push(p.event.id);
        return;
      }
      const { retryBaseMs = 500, retryCapMs = 30_000, random } = this.options;
      p.notBefore =
        this.clock() +
        fullJitterBackoff(Math.min(p.attempts - 1, 30), {
          baseMs: retryBaseMs,
          capMs: retryCapMs,
          random,
        });
      this.logger.debug('event delivery failed: will retry', {
        target: this.target,
        eventId: p.event.id,
        type: p.event.type,
        attempts: p.attempts,
        error: result.error,
      });
      this.pending.push(p);
    });
    if (delivered.length > 0) {
      this.track(this.options.outbox.remove(this.target, delivered), 'clearing the outbox');
    }
  }

  /** Writes entries to the outbox; a refusal is logged with the events, which are then lost. */
  private keep(entries: Pending[]): void {
    if (entries.length === 0) return;
    const now = this.clock();
    const kept: OutboxEntry[] = entries.map((p) => ({
      event: p.event,
      attempts: p.attempts,
      keptAt: p.keptAt ?? now,
    }));
    const write = this.options.outbox.keep(this.target, kept).then(
      () => {
        this.report.kept += kept.length;
      },
      (error: unknown) => {
        this.report.dropped += kept.length;
        this.logger.error('events could not be kept for the next run', {
          target: this.target,
          error: String(error),
          events: kept.map((entry) => entry.event),
        });
      },
    );
    this.track(write, 'keeping events');
  }

  private track(work: Promise<void>, what: string): Promise<void> {
    const tracked = work
      .catch((error: unknown) => {
        this.logger.error(`event outbox failed ${what}`, {
          target: this.target,
          error: String(error),
        });
      })
      .finally(() => this.writes.delete(tracked));
    this.writes.add(tracked);
    return tracked;
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Wakes the waiters whose condition now holds. */
  private changed(): void {
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.test()) return true;
      waiter.resolve();
      return false;
    });
  }

  private waitFor(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  private async idleOrDeadline(deadline: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline - this.clock()));
    });
    await Promise.race([
      this.waitFor(() => this.pending.length === 0 && this.inFlight === 0),
      timeout,
    ]);
    clearTimeout(timer);
  }
}
