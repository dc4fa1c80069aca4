import { randomUUID } from 'node:crypto';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDynamoDbClient } from '../../../src/dynamodb/client.js';
import { DynamoDbSessionStore } from '../../../src/dynamodb/dynamodb-session-store.js';
import { ensureTable } from '../../../src/dynamodb/table-definition.js';
import { type CarEmulator, startCarEmulator } from '../../../src/emulator/index.js';
import { loadConfig } from '../../../src/load-config.js';
import { WEBHOOK_TYPES, type WebhookPath } from '../../../src/webhook/payloads.js';
import { signWebhook } from '../../../src/webhook/signature.js';
import { testWebhookSecret } from '../../helpers/webhook-fakes.js';

// The three Lambda entry points, called as Lambda calls them, on a container
// built from the environment against DynamoDB Local and the CAR emulator.
const credentials = { secretId: 'AKIDfunctionstest00000000000000000000', secretKey: 'fn-key' };
const webhookSecret = testWebhookSecret('functions');
const tableName = `fn-${randomUUID().slice(0, 8)}`;
let emulator: CarEmulator;
let store: DynamoDbSessionStore;
let functions: {
  reap: typeof import('../../../src/lambda/reap-function.js');
  disconnect: typeof import('../../../functions/disconnect.js');
  heartbeat: typeof import('../../../functions/heartbeat.js');
};

const context = {
  functionName: 'car-reaper-test',
  awsRequestId: 'request-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:car-reaper-test',
  memoryLimitInMB: '256',
  functionVersion: '$LATEST',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

/** A signed httpApi event; the body's `type` is the path's unless the payload names one. */
const httpEvent = (path: WebhookPath, payload: object, secret = webhookSecret) => {
  const body = JSON.stringify({ type: WEBHOOK_TYPES[path], ...payload });
  return {
    rawPath: path,
    headers: signWebhook(secret, body),
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
    requestContext: { http: { method: 'POST' } },
  } as unknown as APIGatewayProxyEventV2;
};

const answer = (result: unknown) => {
  const { statusCode, body } = result as APIGatewayProxyStructuredResultV2;
  return { statusCode, body: JSON.parse(String(body)) };
};

beforeAll(async () => {
  emulator = await startCarEmulator({ port: 0, credentials, rate: 100, seats: 100 });
  const env = {
    SESSIONS_TABLE: tableName,
    DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'),
    CAR_ENDPOINT: emulator.url,
    TENCENTCLOUD_SECRET_ID: credentials.secretId,
    TENCENTCLOUD_SECRET_KEY: credentials.secretKey,
    WEBHOOK_SECRET: webhookSecret,
    IDLE_TIMEOUT_SECONDS: '60',
    POWERTOOLS_LOG_LEVEL: 'WARN',
  };
  Object.assign(process.env, env);
  const config = loadConfig(process.env);
  const client = createDynamoDbClient(config);
  await ensureTable(client, tableName);
  store = new DynamoDbSessionStore({ client, tableName });
  functions = {
    reap: await import('../../../src/lambda/reap-function.js'),
    disconnect: await import('../../../functions/disconnect.js'),
    heartbeat: await import('../../../functions/heartbeat.js'),
  };
});

afterAll(async () => {
  await emulator?.stop();
});

describe('Lambda functions on the local stack', () => {
  it('heartbeat records activity for a signed batch', async () => {
    const result = await functions.heartbeat.handler(
      httpEvent('/heartbeat', { userIds: ['hb-1', 'hb-2'] }),
      context,
    );
    expect(answer(result)).toEqual({ statusCode: 202, body: { accepted: true, recorded: 2 } });
    expect((await store.get('hb-2'))?.state).toBe('active');
  });

  it('heartbeat refuses a request signed with another secret', async () => {
    const result = await functions.heartbeat.handler(
      httpEvent('/heartbeat', { userId: 'hb-3' }, testWebhookSecret('wrong')),
      context,
    );
    expect(answer(result).statusCode).toBe(401);
    expect(await store.get('hb-3')).toBeUndefined();
  });

  it('disconnect records the disconnect for the schedule (grace 90 s)', async () => {
    const result = await functions.disconnect.handler(
      httpEvent('/disconnect', { userId: 'dc-1' }),
      context,
    );
    expect(answer(result).body).toEqual({ accepted: true, userId: 'dc-1', action: 'recorded' });
    expect((await store.get('dc-1'))?.state).toBe('disconnected');
  });

  it('reap: a manual dry run lists, the scheduled run destroys, through CAR', async () => {
    await store.recordActivity(['stale-1'], Date.now() - 3_600_000);
    emulator.seedSessions(['stale-1']);
    const dry = await functions.reap.handler({ dryRun: true }, context);
    expect(dry).toMatchObject({ trigger: 'manual', dryRun: true, destroyed: 0 });
    expect(dry.wouldDestroy).toEqual(['stale-1']);

    const scheduled = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };
    const run = await functions.reap.handler(scheduled, context);
    expect(run).toMatchObject({ trigger: 'schedule', destroyed: 1, failed: 0 });
    expect((await store.get('stale-1'))?.state).toBe('destroyed');
    expect(emulator.calls().filter((call) => call.action === 'DestroySession')).toEqual([
      expect.objectContaining({ userId: 'stale-1', outcome: 'ok' }),
    ]);
  });

  it('reap refuses a manual payload with an unknown key, naming the allowed ones', async () => {
    await expect(functions.reap.handler({ dry_run: true }, context)).rejects.toThrow(
      'dry_run: unknown key; allowed keys are dryRun, idleTimeoutSeconds, maxAgeSeconds, limit, userIds',
    );
  });
});
