// The webhook side of the benchmarks: the disconnect handler served over HTTP
// (as `car-reaper serve` does) with grace 0, its immediate destroys on the
// priority lane of a shared budget, and a sender of signed /disconnect calls.
import { DynamoDbSlotStore } from '../../src/budget/dynamodb-slot-store.js';
import { routeReapsByLane } from '../../src/budget/lane-routed-reaper.js';
import { SharedRateBudget } from '../../src/budget/shared-rate-budget.js';
import { createTencentCarApi } from '../../src/car/tencent-car-api.js';
import { serveWebhooks } from '../../src/cli/commands/serve.js';
import { silentLogger } from '../../src/logger.js';
import { createReaper } from '../../src/reaper/reaper.js';
import { createDynamoDbClient } from '../../src/sessions/dynamodb-client.js';
import { DynamoDbSessionStore } from '../../src/sessions/dynamodb-session-store.js';
import { signWebhook } from '../../src/webhook/signature.js';
import { type BudgetStack, benchCredentials, WEBHOOK_SECRET } from './budget-stack.js';

/** A webhook server on the stack; `close` stops it and its clients. */
export async function startWebhookSide(stack: BudgetStack, quota: number) {
  const client = createDynamoDbClient({
    awsRegion: 'us-east-1',
    dynamodbEndpoint: stack.dynamo.endpoint,
  });
  const store = new DynamoDbSessionStore({ client, tableName: stack.tableName });
  const budget = new SharedRateBudget(
    new DynamoDbSlotStore({ client, tableName: stack.tableName }),
    { quota },
  );
  const car = createTencentCarApi({ endpoint: stack.emulator.url, credentials: benchCredentials });
  const reaper = routeReapsByLane(budget, (lane) =>
    createReaper({
      store,
      car,
      budget: lane,
      settings: { idleTimeoutMs: 300_000, disconnectGraceMs: 0, maxAgeMs: 0, quotaRps: quota },
    }),
  );
  const server = await serveWebhooks(
    {
      store,
      reaper,
      config: { webhookSecret: WEBHOOK_SECRET, disconnectGraceSeconds: 0 },
      clock: Date.now,
      logger: silentLogger,
    },
    0,
  );
  return {
    url: server.url,
    budget,
    async close() {
      await server.close();
      car.close();
      client.destroy();
    },
  };
}

/** One signed disconnect: when it was sent, when it was answered, and the action taken. */
export interface DisconnectSent {
  userId: string;
  sentAt: number;
  answeredAt: number;
  status: number;
  action?: string;
}

/** POSTs a signed `/disconnect` for `userId`. */
export async function sendDisconnect(url: string, userId: string): Promise<DisconnectSent> {
  const body = JSON.stringify({ userId });
  const sentAt = Date.now();
  const response = await fetch(`${url}/disconnect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signWebhook(WEBHOOK_SECRET, body) },
    body,
  });
  const answer = (await response.json()) as { action?: string };
  return { userId, sentAt, answeredAt: Date.now(), status: response.status, action: answer.action };
}
