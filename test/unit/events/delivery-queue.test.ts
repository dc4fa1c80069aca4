import { describe, expect, it } from 'vitest';
import {
  DeliveryQueue,
  type DeliveryResult,
  type EventTransport,
} from '../../../src/events/delivery-queue.js';
import { MemoryOutbox } from '../../../src/events/outbox.js';
import { makeEvent, type ReaperEvent } from '../../../src/reaper/reaper-events.js';

/** A transport that answers from a script: `fail(event, attempt)` says which sends fail. */
class ScriptedTransport implements EventTransport {
  readonly target = 'test';
  readonly sent: string[] = [];
  readonly delivered = new Set<string>();
  private readonly attempts = new Map<string, number>();
  constructor(
    readonly batchSize: number,
    private readonly fail: (event: ReaperEvent, attempt: number) => boolean,
  ) {}
  async send(events: readonly ReaperEvent[]): Promise<DeliveryResult[]> {
    return events.map((event) => {
      const attempt = (this.attempts.get(event.id) ?? 0) + 1;
      this.attempts.set(event.id, attempt);
      this.sent.push(event.id);
      if (this.fail(event, attempt)) return { ok: false, error: 'HTTP 503' };
      this.delivered.add(event.id);
      return { ok: true };
    });
  }
}

const warning = (n: number) =>
  makeEvent(
    'session.warning',
    { userId: `u${n}`, class: 'default', reason: 'idle', dueAt: new Date(n).toISOString() },
    n,
  );

const queueOf = (transport: EventTransport, outbox = new MemoryOutbox(), maxQueued = 1000) =>
  new DeliveryQueue({ transport, outbox, maxQueued, retryBaseMs: 5, retryCapMs: 20 });

describe('Class: DeliveryQueue', () => {
  it('retries failed sends with the same event until they go through', async () => {
    const transport = new ScriptedTransport(1, (_, attempt) => attempt <= 2);
    const queue = queueOf(transport);
    const events = [1, 2, 3].map(warning);
    for (const event of events) queue.publish(event);
    const report = await queue.flush(Date.now() + 5000);
    expect(report).toEqual({ delivered: 3, kept: 0, dropped: 0 });
    expect([...transport.delivered].sort()).toEqual(events.map((e) => e.id).sort());
    expect(transport.sent).toHaveLength(9);
  });

  it('sends batches of the transport size', async () => {
    const batches: number[] = [];
    const transport: EventTransport = {
      target: 'test',
      batchSize: 10,
      send: async (events) => {
        batches.push(events.length);
        return events.map(() => ({ ok: true }));
      },
    };
    const queue = new DeliveryQueue({ transport, outbox: new MemoryOutbox(), concurrency: 1 });
    for (let n = 0; n < 25; n++) queue.publish(warning(n));
    await queue.flush(Date.now() + 5000);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(25);
    expect(Math.max(...batches)).toBeLessThanOrEqual(10);
  });

  it('keeps what it could not deliver by the deadline, and the next run delivers it', async () => {
    let down = true;
    const transport = new ScriptedTransport(1, () => down);
    const outbox = new MemoryOutbox();
    const events = [1, 2, 3, 4].map(warning);
    const first = queueOf(transport, outbox);
    for (const event of events) first.publish(event);
    expect(await first.flush(Date.now() + 100)).toEqual({ delivered: 0, kept: 4, dropped: 0 });
    expect(outbox.size('test')).toBe(4);

    down = false;
    const next = queueOf(transport, outbox);
    next.resume();
    expect(await next.flush(Date.now() + 5000)).toMatchObject({ delivered: 4 });
    expect([...transport.delivered].sort()).toEqual(events.map((e) => e.id).sort());
    expect(outbox.size('test')).toBe(0);
  });

  it('never holds more than maxQueued events in memory: the rest go to the outbox at once', async () => {
    const transport = new ScriptedTransport(1, () => true);
    const outbox = new MemoryOutbox();
    const queue = queueOf(transport, outbox, 2);
    for (let n = 0; n < 5; n++) queue.publish(warning(n));
    const report = await queue.flush(Date.now() + 50);
    expect(report).toEqual({ delivered: 0, kept: 5, dropped: 0 });
    expect(outbox.size('test')).toBe(5);
  });

  it('reports events the outbox refused as dropped', async () => {
    const outbox = new MemoryOutbox();
    outbox.keep = async () => {
      throw new Error('outbox down');
    };
    const queue = queueOf(new ScriptedTransport(1, () => true), outbox);
    queue.publish(warning(1));
    expect(await queue.flush(Date.now() + 30)).toEqual({ delivered: 0, kept: 0, dropped: 1 });
  });

  it('returns from publish before any send completes', () => {
    let sends = 0;
    const transport: EventTransport = {
      target: 'test',
      batchSize: 1,
      send: () => {
        sends++;
        return new Promise(() => undefined);
      },
    };
    const queue = new DeliveryQueue({ transport, outbox: new MemoryOutbox(), concurrency: 2 });
    for (let n = 0; n < 100; n++) queue.publish(warning(n));
    expect(sends).toBe(2);
  });
});
