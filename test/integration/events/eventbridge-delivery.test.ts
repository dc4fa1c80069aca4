import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryQueue } from '../../../src/events/delivery-queue.js';
import { EVENT_SOURCE, EventBridgeTransport } from '../../../src/events/eventbridge-transport.js';
import { MemoryOutbox } from '../../../src/events/outbox.js';
import { makeEvent } from '../../../src/reaper/reaper-events.js';
import { type PutEntry, PutEventsStandIn } from '../../helpers/put-events-stand-in.js';

// Every third entry fails its first attempt, as EventBridge may answer per entry.
const standIn = new PutEventsStandIn({ failFirst: (_, index) => index % 3 === 0 });
beforeAll(() => standIn.start());
afterAll(() => standIn.stop());

describe('EventBridge delivery', () => {
  it('puts every event on the bus in calls of at most 10 entries, retrying the entries that failed', async () => {
    const client = new EventBridgeClient({ region: 'us-east-1', endpoint: standIn.endpoint });
    const queue = new DeliveryQueue({
      transport: new EventBridgeTransport({ busName: 'car-reaper-dev', client }),
      outbox: new MemoryOutbox(),
      retryBaseMs: 10,
      retryCapMs: 50,
    });
    const events = Array.from({ length: 45 }, (_, n) =>
      makeEvent(
        'session.failed',
        { userId: `u${n}`, class: 'default', reason: 'idle', error: 'AuthFailure', attempts: 1 },
        Date.now(),
      ),
    );
    for (const event of events) queue.publish(event);
    expect(await queue.flush(Date.now() + 10_000)).toEqual({ delivered: 45, kept: 0, dropped: 0 });
    client.destroy();

    expect(standIn.calls.every((call) => call.target === 'AWSEvents.PutEvents')).toBe(true);
    expect(standIn.calls.every((call) => call.authorization.startsWith('AWS4-HMAC-SHA256'))).toBe(
      true,
    );
    expect(Math.max(...standIn.calls.map((call) => call.entries.length))).toBe(10);
    const retried = standIn.calls.flatMap((c) => c.entries).length - 45;
    expect(retried).toBeGreaterThan(0);
    const ids = standIn.accepted.map((entry) => (JSON.parse(entry.Detail) as { id: string }).id);
    expect(ids.sort()).toEqual(events.map((e) => e.id).sort());
    const one = standIn.accepted[0] as PutEntry;
    expect(one).toMatchObject({
      EventBusName: 'car-reaper-dev',
      Source: EVENT_SOURCE,
      DetailType: 'session.failed',
    });
    expect(JSON.parse(one.Detail)).toMatchObject({ type: 'session.failed', data: { attempts: 1 } });
  });
});
