import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbOutbox } from '../../../src/dynamodb/event-outbox.js';
import { DeliveryQueue } from '../../../src/events/delivery-queue.js';
import { WebhookTransport } from '../../../src/events/webhook-transport.js';
import { makeEvent, type ReaperEvent } from '../../../src/reaper/reaper-events.js';
import { createTestTable, type TestTable } from '../../helpers/dynamo.js';
import { EventReceiver, testEventSecret } from '../../helpers/event-receiver.js';

const secret = testEventSecret();
let table: TestTable;
const receivers: EventReceiver[] = [];

beforeAll(async () => {
  table = await createTestTable();
});
afterAll(() => table.drop());
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.stop()));
});

const receiverOf = async (refuseFirst?: (id: string) => boolean) => {
  const receiver = new EventReceiver({ secret, refuseFirst });
  await receiver.start();
  receivers.push(receiver);
  return receiver;
};

const runQueue = (url: string) =>
  new DeliveryQueue({
    transport: new WebhookTransport({ url, secret, timeoutMs: 2000 }),
    outbox: new DynamoDbOutbox({ client: table.client, tableName: table.tableName }),
    retryBaseMs: 20,
    retryCapMs: 200,
  });

const someEvents = (count: number): ReaperEvent[] =>
  Array.from({ length: count }, (_, n) =>
    n % 2 === 0
      ? makeEvent(
          'session.destroyed',
          {
            userId: `user-${n}`,
            class: 'default',
            reason: 'idle',
            destroyedAt: new Date().toISOString(),
            alreadyGone: false,
            requestId: `req-${n}`,
          },
          Date.now(),
        )
      : makeEvent(
          'session.warning',
          {
            userId: `user-${n}`,
            class: 'default',
            reason: 'idle',
            dueAt: new Date().toISOString(),
          },
          Date.now(),
        ),
  );

describe('Standard Webhooks delivery', () => {
  it('delivers every event signed so the reference library verifies it, retrying 503s with the same webhook-id', async () => {
    let refused = 0;
    const receiver = await receiverOf(() => refused++ % 3 === 0);
    const events = someEvents(30);
    const queue = runQueue(receiver.url);
    for (const event of events) queue.publish(event);
    const report = await queue.flush(Date.now() + 15_000);

    expect(report).toEqual({ delivered: 30, kept: 0, dropped: 0 });
    expect(receiver.unverified).toEqual([]);
    expect(receiver.events.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
    const retried = [...receiver.deliveries.values()].filter((n) => n > 1);
    expect(retried).toHaveLength(10);
    const first = events[0] as ReaperEvent;
    const got = receiver.events.find((e) => e.id === first.id);
    expect(got).toMatchObject({ type: first.type, timestamp: first.timestamp, data: first.data });
  });

  it('loses no event when the receiver is down for a whole run: the next run delivers them from the outbox', async () => {
    const receiver = await receiverOf();
    const url = receiver.url;
    await receiver.stop();
    const events = someEvents(12);
    const down = runQueue(url);
    for (const event of events) down.publish(event);
    expect(await down.flush(Date.now() + 500)).toEqual({ delivered: 0, kept: 12, dropped: 0 });

    await receiver.start();
    const next = runQueue(url);
    next.resume();
    expect(await next.flush(Date.now() + 15_000)).toMatchObject({ delivered: 12, kept: 0 });
    expect(receiver.unverified).toEqual([]);
    expect(receiver.events.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());

    // Delivered events are cleared from the outbox: a third run has nothing to send.
    const third = runQueue(url);
    third.resume();
    expect(await third.flush(Date.now() + 2000)).toEqual({ delivered: 0, kept: 0, dropped: 0 });
  });
});
