import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveWebhooks } from '../../../src/cli/commands/serve.js';
import {
  createWebhookClient,
  heartbeatBodies,
  WebhookRequestError,
} from '../../../src/client/webhook-client.js';
import type { WebhookServer } from '../../../src/local/webhook-server.js';
import { silentLogger } from '../../../src/logger.js';
import { MemoryDeliveryLog } from '../../../src/webhook/delivery-log.js';
import { MAX_WEBHOOK_BODY_BYTES } from '../../../src/webhook/signed-request.js';
import { FakeReaper, FakeWebhookStore, testWebhookSecret } from '../../helpers/webhook-fakes.js';

const secret = testWebhookSecret('client');
const store = new FakeWebhookStore();
let server: WebhookServer;

beforeAll(async () => {
  server = await serveWebhooks(
    {
      store,
      deliveries: new MemoryDeliveryLog(),
      reaper: new FakeReaper(),
      config: { webhookSecret: secret, disconnectGraceSeconds: 90 },
      clock: Date.now,
      logger: silentLogger,
    },
    0,
  );
});
afterAll(() => server.close());

describe('Function: createWebhookClient', () => {
  it('signs a disconnect the handlers accept', async () => {
    const client = createWebhookClient({ url: server.url, secret });
    await expect(client.disconnect('user-a', 1_700_000_000_000)).resolves.toEqual({
      userId: 'user-a',
      action: 'recorded',
    });
    expect(store.sessions.get('user-a')).toMatchObject({
      state: 'disconnected',
      disconnectedAt: 1_700_000_000_000,
    });
  });

  it('signs with each of several secrets, as during a rotation', async () => {
    const client = createWebhookClient({
      url: server.url,
      secret: `${testWebhookSecret('next')} ${secret}`,
    });
    await expect(client.heartbeat('user-r')).resolves.toEqual({ recorded: 1 });
  });

  it('refuses a secret that is not a whsec_ secret, naming the option', () => {
    expect(() => createWebhookClient({ url: server.url, secret: 's3cret' })).toThrow(
      'createWebhookClient: secret: a webhook secret must start with whsec_',
    );
  });

  it('sends heartbeats for many users in batches within the limits', async () => {
    const client = createWebhookClient({ url: `${server.url}/`, secret });
    const ids = Array.from({ length: 2500 }, (_, i) => `hb-${i}`);
    const before = store.calls.length;
    await expect(client.heartbeat(ids)).resolves.toEqual({ recorded: 2500 });
    expect(store.calls.length - before).toBe(3);
    expect(store.sessions.get('hb-2499')?.state).toBe('active');
  });

  it('throws with the status and reason when the signature is refused', async () => {
    const client = createWebhookClient({ url: server.url, secret: testWebhookSecret('other') });
    const failure = await client.heartbeat('user-b').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WebhookRequestError);
    expect(failure).toMatchObject({ status: 401 });
    expect((failure as Error).message).toContain('POST /heartbeat answered 401');
  });
});

describe('Function: heartbeatBodies', () => {
  it('keeps every body under the byte limit even for long ids', () => {
    const ids = Array.from({ length: 300 }, (_, i) => `${'x'.repeat(200)}-${i}`);
    const bodies = heartbeatBodies(ids);
    expect(bodies.length).toBeGreaterThan(1);
    for (const body of bodies)
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_WEBHOOK_BODY_BYTES);
    expect(bodies.flatMap((body) => JSON.parse(body).userIds)).toEqual(ids);
    expect(new Set(bodies.map((body) => JSON.parse(body).type))).toEqual(
      new Set(['session.heartbeat']),
    );
  });
});

describe('Function: startWebhookServer', () => {
  it('answers 404 for an unknown path and 413 for a huge body without buffering it', async () => {
    expect((await fetch(`${server.url}/nope`, { method: 'POST', body: '{}' })).status).toBe(404);
    const huge = 'x'.repeat(200_000);
    expect((await fetch(`${server.url}/heartbeat`, { method: 'POST', body: huge })).status).toBe(
      413,
    );
  });
});
