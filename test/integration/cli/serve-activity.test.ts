import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeServices } from '../../../src/cli/runtime-services.js';
import { createWebhookClient } from '../../../src/client/webhook-client.js';
import { loadConfig } from '../../../src/load-config.js';
import { serveWebhooks, type WebhookServer } from '../../../src/local/webhook-server.js';
import { silentLogger } from '../../../src/logger.js';
import type { ReapSummary } from '../../../src/reaper/types.js';
import { type CliServices, webhookDeps } from '../../../src/services.js';
import { type DynamoFaultProxy, startDynamoFaultProxy } from '../../helpers/dynamo-fault-proxy.js';
import { type ReliabilityStack, startReliabilityStack } from '../../reliability/support/stack.js';

// 200 users heartbeat every second for 30 s through the handlers `car-reaper
// serve` runs (its webhookDeps and server), on a clock the test moves one
// second per round, with a 10 s activity resolution and a 20 s idle timeout.
// Every write request reaching DynamoDB Local is counted through a proxy.
const USERS = 200;
const ROUNDS = 30;
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const settings = {
  ACTIVITY_RESOLUTION_SECONDS: '10',
  IDLE_TIMEOUT_SECONDS: '20',
  WEBHOOK_SECRET: SECRET,
};
const userIds = Array.from({ length: USERS }, (_, i) => `beating-${i}`);

let stack: ReliabilityStack;
let proxy: DynamoFaultProxy;
let services: CliServices;
let server: WebhookServer;
/** Write requests (UpdateItem, PutItem) per user id, as they reached DynamoDB. */
const writes = new Map<string, number>();
let lastBeat = 0;

const userOf = (body: string): string | undefined => {
  const request = JSON.parse(body) as {
    Key?: { userId?: { S?: string } };
    Item?: typeof request.Key;
  };
  return request.Key?.userId?.S ?? request.Item?.userId?.S;
};

beforeAll(async () => {
  stack = await startReliabilityStack();
  proxy = await startDynamoFaultProxy(stack.table.endpoint);
  proxy.configure({
    operations: ['UpdateItem', 'PutItem'],
    // Never a fault: only counts.
    match: (body) => {
      const userId = userOf(body);
      if (userId !== undefined) writes.set(userId, (writes.get(userId) ?? 0) + 1);
      return false;
    },
  });
  let now = Date.now();
  const config = loadConfig({ ...stack.env, ...settings, DYNAMODB_ENDPOINT: proxy.endpoint });
  services = runtimeServices()(config);
  server = await serveWebhooks({ ...webhookDeps(services, silentLogger), clock: () => now });
  // A 200-id batch is 200 conditional writes: give a busy machine time to answer.
  const client = createWebhookClient({ url: server.url, secret: SECRET, timeoutMs: 60_000 });
  stack.emulator.seedSessions(userIds);
  for (let round = 0; round < ROUNDS; round++) {
    await client.heartbeat(userIds);
    lastBeat = now;
    now += 1000;
  }
}, 120_000);

afterAll(async () => {
  await server?.close();
  await services?.close();
  await proxy?.close();
  await stack?.stop();
});

/** A scheduled reap on a clock that reads `at` now and runs on from there. */
const reapAt = (at: number): Promise<ReapSummary> => {
  const offset = at - Date.now();
  return stack
    .runtime({ clock: () => Date.now() + offset }, settings)
    .reaper.reap({ trigger: 'schedule' });
};

describe('car-reaper serve: heartbeats with a 10 s activity resolution', () => {
  it('writes each of 200 users at most 4 times over 30 heartbeats', () => {
    const counts = userIds.map((userId) => writes.get(userId) ?? 0);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(3);
    expect(Math.max(...counts)).toBeLessThanOrEqual(4);
    console.info(
      `serve, 200 users x 30 heartbeats: ${counts.reduce((a, b) => a + b, 0)} write requests ` +
        `(${USERS * ROUNDS} heartbeats)`,
    );
  });

  it('destroys none of them 17 s after the last heartbeat (idle timeout 20 s)', async () => {
    const summary = await reapAt(lastBeat + 17_000);
    expect(summary.destroyed).toBe(0);
    expect(stack.emulator.liveSessions()).toHaveLength(USERS);
    const counts = await stack.table.store.counts();
    expect(counts.active).toBe(USERS);
  });

  it('destroys all of them 33 s after the last heartbeat', async () => {
    const summary = await reapAt(lastBeat + 33_000);
    expect(summary.destroyed).toBe(USERS);
    expect(stack.emulator.liveSessions()).toEqual([]);
    expect((await stack.table.store.counts()).destroyed).toBe(USERS);
  });
});
