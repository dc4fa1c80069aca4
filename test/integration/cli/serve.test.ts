import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTencentCarApi } from '../../../src/car/tencent-car-api.js';
import { createDynamoDbClient } from '../../../src/dynamodb/client.js';
import { DynamoDbSessionStore } from '../../../src/dynamodb/dynamodb-session-store.js';
import { ensureTable } from '../../../src/dynamodb/table-definition.js';
import { resigningCurl } from '../../../src/local/signed-curl.js';
import { signWebhook } from '../../../src/webhook/signature.js';
import { testCredentials } from '../../helpers/car.js';
import { buildCli, type RunningCli, runCarReaper, startCarReaper } from '../../helpers/cli.js';
import { testWebhookSecret } from '../../helpers/webhook-fakes.js';

const endpoint = inject('dynamodbEndpoint');
const tableName = `serve-${randomUUID().slice(0, 8)}`;
const secret = testWebhookSecret('serve');
const client = createDynamoDbClient({ awsRegion: 'us-east-1', dynamodbEndpoint: endpoint });
const store = new DynamoDbSessionStore({ client, tableName });
let serve: RunningCli;
let url: string;

beforeAll(async () => {
  await Promise.all([buildCli(), ensureTable(client, tableName)]);
  serve = startCarReaper(['serve', '--port', '0'], {
    SESSIONS_TABLE: tableName,
    DYNAMODB_ENDPOINT: endpoint,
    WEBHOOK_SECRET: secret,
  });
  const [match] = await serve.waitFor(/^listening on (http:\/\/127\.0\.0\.1:\d+)$/m);
  url = match?.[1] ?? '';
});

afterAll(async () => {
  await serve?.stop();
  client.destroy();
});

/** What `curl -X POST -H webhook-... --data-raw BODY` sends. */
const post = (path: string, body: string, headers: Record<string, string>) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

describe('car-reaper serve', () => {
  it('accepts a signed disconnect with 202 and records it', async () => {
    const body = JSON.stringify({ type: 'session.disconnected', userId: 'serve-user' });
    const response = await post('/disconnect', body, signWebhook(secret, body));
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ accepted: true, userId: 'serve-user' });
    expect((await store.get('serve-user'))?.state).toBe('disconnected');
  });

  it('accepts a signed heartbeat batch with 202', async () => {
    const body = JSON.stringify({ type: 'session.heartbeat', userIds: ['hb-1', 'hb-2'] });
    const response = await post('/heartbeat', body, signWebhook(secret, body));
    expect(response.status).toBe(202);
    expect((await store.get('hb-2'))?.state).toBe('active');
  });

  it('refuses a bad signature with 401', async () => {
    const body = JSON.stringify({ type: 'session.disconnected', userId: 'serve-user' });
    const response = await post('/disconnect', body, signWebhook(testWebhookSecret('x'), body));
    expect(response.status).toBe(401);
  });

  it('accepts the openssl-signed curl line, a new delivery each run', async () => {
    const body = JSON.stringify({ type: 'session.heartbeat', userIds: ['curl-1'] });
    const line = resigningCurl({ url: `${url}/heartbeat`, body });
    for (let run = 0; run < 2; run++) {
      const result = spawnSync('bash', ['-c', line], {
        env: {
          PATH: process.env.PATH ?? '',
          WEBHOOK_SECRET: `${secret} ${testWebhookSecret('y')}`,
        },
        encoding: 'utf8',
      });
      expect(result.stdout).toMatch(/^HTTP\/1\.1 202/);
      expect(result.stdout).toContain('"recorded":1');
    }
    expect((await store.get('curl-1'))?.state).toBe('active');
  });

  it('stops on SIGINT with status 0', async () => {
    const extra = startCarReaper(['serve', '--port', '0'], {
      SESSIONS_TABLE: tableName,
      DYNAMODB_ENDPOINT: endpoint,
      WEBHOOK_SECRET: secret,
    });
    await extra.waitFor(/^listening on http:\/\/127\.0\.0\.1:\d+$/m);
    expect(await extra.stop('SIGINT')).toBe(0);
  });
});

describe('car-reaper emulator', () => {
  it('prints its listening line and answers CAR calls signed with the environment key pair', async () => {
    const emulator = startCarReaper(['emulator', '--port', '0', '--rate', '50'], {
      TENCENTCLOUD_SECRET_ID: testCredentials.secretId,
      TENCENTCLOUD_SECRET_KEY: testCredentials.secretKey,
    });
    try {
      const [match] = await emulator.waitFor(/^listening on (http:\/\/127\.0\.0\.1:\d+)$/m);
      const car = createTencentCarApi({
        endpoint: match?.[1] ?? '',
        credentials: { ...testCredentials },
      });
      const count = await car.describeConcurrentCount();
      car.close();
      expect(count).toMatchObject({ ok: true, value: { running: 0 } });
      expect(await emulator.stop('SIGTERM')).toBe(0);
    } finally {
      await emulator.stop('SIGKILL');
    }
  });

  it('names the missing key pair, exit 1', async () => {
    const result = await runCarReaper(['emulator', '--port', '0']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('TENCENTCLOUD_SECRET_ID');
  });
});
