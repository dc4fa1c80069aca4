import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { answersWarnings, DemoClients } from '../../../src/local/demo-clients.js';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
let clients: DemoClients | undefined;
afterEach(async () => {
  await clients?.stop();
});

/** Posts an event signed by the reference Standard Webhooks library. */
async function deliver(url: string, id: string, body: object, key = secret): Promise<number> {
  const payload = JSON.stringify(body);
  const timestamp = new Date();
  const signature = new Webhook(key).sign(id, timestamp, payload);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signature,
    },
    body: payload,
  });
  return response.status;
}

const warning = (userId: string) => ({
  type: 'session.warning',
  timestamp: new Date().toISOString(),
  data: { userId, class: 'default', reason: 'idle', dueAt: new Date().toISOString() },
});

describe('Class: DemoClients', () => {
  it('answers the warnings of half of the users, once per event, and counts destroys', async () => {
    const answered: string[] = [];
    clients = new DemoClients({ secret, answer: async (userId) => void answered.push(userId) });
    await clients.start();
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    for (const userId of users)
      expect(await deliver(clients.url, `w-${userId}`, warning(userId))).toBe(204);
    // A redelivery (same webhook-id) changes nothing.
    expect(await deliver(clients.url, 'w-user-0', warning('user-0'))).toBe(204);
    const destroyed = { type: 'session.destroyed', timestamp: '', data: { userId: 'user-1' } };
    expect(await deliver(clients.url, 'd-1', destroyed)).toBe(204);
    await clients.stop();

    const half = users.filter(answersWarnings);
    expect(half.length).toBeGreaterThan(10);
    expect(half.length).toBeLessThan(30);
    expect(answered.sort()).toEqual(half.sort());
    expect(clients.counts).toEqual({ warned: 40, answered: half.length, reaped: 1, refused: 0 });
  });

  it('refuses a delivery signed with another secret', async () => {
    clients = new DemoClients({ secret, answer: async () => undefined });
    await clients.start();
    const other = `whsec_${randomBytes(32).toString('base64')}`;
    expect(await deliver(clients.url, 'x', warning('user-2'), other)).toBe(401);
    expect(clients.counts).toMatchObject({ warned: 0, refused: 1 });
  });
});
