import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { serveWebhooks } from '../../src/cli/commands/serve.js';
import { createWebhookClient, WebhookRequestError } from '../../src/client/webhook-client.js';
import { createRuntime } from '../../src/dynamodb/runtime.js';
import { type CarEmulator, startCarEmulator } from '../../src/emulator/index.js';
import { handleWebhookRequest } from '../../src/handlers/webhook-request.js';
import { loadConfig } from '../../src/load-config.js';
import type { WebhookServer } from '../../src/local/webhook-server.js';
import { jsonLogger, silentLogger } from '../../src/logger.js';
import { signWebhook, verifyWebhookSignature } from '../../src/webhook/signature.js';
import { buildCli, repoRoot, runCarReaper } from '../helpers/cli.js';
import { aSession, createTestTable, seedSessions, type TestTable } from '../helpers/dynamo.js';
import { testWebhookSecret } from '../helpers/webhook-fakes.js';
import {
  actionsOf,
  iamStatements,
  logStreamsOf,
  strings,
} from '../integration/package/iam-statements.js';
import {
  ids,
  type ReliabilityStack,
  reportFigures,
  startReliabilityStack,
} from './support/stack.js';

// Secrets are distinctive strings, searched for verbatim in everything the
// runs print: the project's JSON logs, the CLI's stdout and stderr, and the
// outcomes written to the table.
const SECRET_ID = 'AKIDsecurityTestSecretId0000000000000';
const SECRET_KEY = 'SECRETKEY-must-never-be-logged-7f3a9c';
const SESSION_TOKEN = 'SESSIONTOKEN-must-never-be-logged-2b81e';
const WRONG_KEY = 'WRONGKEY-must-never-be-logged-99d0e1';
const WEBHOOK_KEY = 'WEBHOOKSECRET-must-never-be-logged-c4d2';
const WEBHOOK_SECRET = `whsec_${Buffer.from(WEBHOOK_KEY).toString('base64')}`;
const SECRETS = [SECRET_KEY, SESSION_TOKEN, WRONG_KEY, WEBHOOK_SECRET, WEBHOOK_KEY];

let table: TestTable;
let emulator: CarEmulator;
const output: string[] = [];

const leaks = (text: string) => SECRETS.filter((secret) => text.includes(secret));

beforeAll(async () => {
  table = await createTestTable();
  emulator = await startCarEmulator({
    credentials: { secretId: SECRET_ID, secretKey: SECRET_KEY, sessionToken: SESSION_TOKEN },
    rate: 500,
    faults: { errorRate: 0.3, resetRate: 0.1, errorCodes: ['InternalError', 'InvalidParameter'] },
  });
  await buildCli();
});

afterAll(async () => {
  await emulator?.stop();
  await table?.drop();
});

const env = (overrides: Record<string, string> = {}) => ({
  SESSIONS_TABLE: table.tableName,
  DYNAMODB_ENDPOINT: table.endpoint,
  CAR_ENDPOINT: emulator.url,
  TENCENTCLOUD_SECRET_ID: SECRET_ID,
  TENCENTCLOUD_SECRET_KEY: SECRET_KEY,
  TENCENTCLOUD_SESSION_TOKEN: SESSION_TOKEN,
  WEBHOOK_SECRET,
  CAR_TIMEOUT_MS: '500',
  ...overrides,
});

describe('Security: secrets never reach a log', () => {
  it('keeps them out of the logs of runs with CAR faults, auth failures and webhook refusals', async () => {
    const now = Date.now();
    await seedSessions(
      table,
      ids('sec', 60).map((userId) => aSession({ userId }, now - 600_000)),
    );
    emulator.seedSessions(ids('sec', 60));
    const logger = jsonLogger({ level: 'debug', write: (line) => output.push(line) });

    // A run through faults (errors, resets; terminal errors become `failed`).
    const runtime = createRuntime(loadConfig(env()), { logger, reaper: { maxAttempts: 2 } });
    output.push(JSON.stringify(await runtime.reaper.reap({ trigger: 'schedule' })));
    // A run with the wrong key: CAR refuses the signature.
    await seedSessions(
      table,
      ids('sec-auth', 5).map((userId) => aSession({ userId }, now - 600_000)),
    );
    const refused = createRuntime(loadConfig(env({ TENCENTCLOUD_SECRET_KEY: WRONG_KEY })), {
      logger,
    });
    const authSummary = await refused.reaper.reap({ trigger: 'schedule' });
    output.push(JSON.stringify(authSummary));
    expect(authSummary.error?.code).toMatch(/^AuthFailure/);
    // Webhooks: unsigned, wrongly signed, stale, well signed.
    const deps = {
      store: runtime.store,
      deliveries: runtime.deliveries,
      reaper: runtime.reaper,
      config: { webhookSecret: WEBHOOK_SECRET, disconnectGraceSeconds: 0 },
      clock: Date.now,
      logger,
    };
    const body = JSON.stringify({ type: 'session.disconnected', userId: 'sec-0' });
    for (const headers of [
      {},
      signWebhook(testWebhookSecret('not-the-secret'), body),
      signWebhook(WEBHOOK_SECRET, body, { timestampSeconds: Math.floor(now / 1000) - 3600 }),
      signWebhook(WEBHOOK_SECRET, body),
    ]) {
      output.push(JSON.stringify(await handleWebhookRequest('/disconnect', headers, body, deps)));
    }
    await runtime.close();
    await refused.close();

    const text = output.join('\n');
    expect(text).toMatch(/"level":"ERROR"/);
    expect(text).toMatch(/AuthFailure/);
    expect(leaks(text)).toEqual([]);
    // Nor in what was recorded: lastError of every outcome.
    const items = await table.client.send(new ScanCommand({ TableName: table.tableName }));
    const recorded = JSON.stringify(items.Items);
    expect(recorded).toMatch(/lastError/);
    expect(leaks(recorded)).toEqual([]);
  });

  it('keeps them out of what the CLI prints, on success, auth failure and config errors', async () => {
    const stale = ids('sec-cli', 10);
    await seedSessions(
      table,
      stale.map((userId) => aSession({ userId }, Date.now() - 600_000)),
    );
    emulator.seedSessions(stale);
    const runs = [
      await runCarReaper(['reap', '--json'], env({ TENCENTCLOUD_SECRET_KEY: WRONG_KEY })),
      await runCarReaper(['reap', '--json'], env()),
      // Config errors echo the offending value of the variable at fault (never a
      // secret variable's): the secrets set beside it must not follow.
      await runCarReaper(['reap'], env({ CAR_QUOTA_RPS: 'fast' })),
      await runCarReaper(['reap'], env({ CAR_ENDPOINT: 'ftp://car.example' })),
      await runCarReaper(['status', '--json'], env({ TENCENTCLOUD_SECRET_KEY: WRONG_KEY })),
      await runCarReaper(['reap'], env({ TENCENTCLOUD_SECRET_KEY: '' })),
    ];
    const [auth, ok, badRate, badEndpoint, status, missing] = runs;
    expect(auth?.stderr + (auth?.stdout ?? '')).toMatch(/AuthFailure/);
    expect(ok?.status).toBe(0);
    expect(auth?.status).not.toBe(0);
    expect(badRate?.stderr).toContain('CAR_QUOTA_RPS');
    expect(badEndpoint?.stderr).toContain('CAR_ENDPOINT');
    expect(missing?.stderr).toContain('TENCENTCLOUD_SECRET_KEY');
    expect(status?.status).toBe(0);
    for (const run of runs) {
      expect(leaks(`${run.stdout}\n${run.stderr}`), `${run.stdout}\n${run.stderr}`).toEqual([]);
    }
    output.push(...runs.map((r) => `${r.stdout}\n${r.stderr}`));
    reportFigures('secrets-in-logs', {
      linesSearched: output.join('\n').split('\n').length,
      cliRuns: runs.length,
      leaks: 0,
    });
  });
  it("keeps them out of the Lambda functions' Powertools logs at DEBUG level", async () => {
    const stale = ids('sec-fn', 20);
    await seedSessions(
      table,
      stale.map((userId) => aSession({ userId }, Date.now() - 600_000)),
    );
    emulator.seedSessions(stale);
    const lambdaEnv = { ...env({ DISCONNECT_GRACE_SECONDS: '0' }), POWERTOOLS_LOG_LEVEL: 'DEBUG' };
    const saved = Object.fromEntries(Object.keys(lambdaEnv).map((k) => [k, process.env[k]]));
    Object.assign(process.env, lambdaEnv);
    const reap = await import('../../src/lambda/reap-function.js');
    const disconnect = await import('../../functions/disconnect.js');
    const context = {
      functionName: 'car-reaper-security',
      awsRequestId: 'security-1',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:car-reaper-security',
      memoryLimitInMB: '256',
      functionVersion: '$LATEST',
      getRemainingTimeInMillis: () => 60_000,
    } as unknown as Context;
    const event = (headers: Record<string, string>, body: string) =>
      ({
        rawPath: '/disconnect',
        headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
        body,
        isBase64Encoded: false,
        requestContext: { http: { method: 'POST' } },
      }) as unknown as APIGatewayProxyEventV2;
    const written: string[] = [];
    const capture = (chunk: unknown) => {
      written.push(String(chunk));
      return true;
    };
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      await reap.handler({ 'detail-type': 'Scheduled Event', source: 'aws.events' }, context);
      await reap.handler({ dryRun: 'yes' }, context).catch((e: Error) => written.push(e.message));
      const body = JSON.stringify({ type: 'session.disconnected', userId: 'sec-fn-0' });
      await disconnect.handler(event({}, body), context);
      const wrong = testWebhookSecret('not-the-secret');
      await disconnect.handler(event(signWebhook(wrong, body), body), context);
      await disconnect.handler(event(signWebhook(WEBHOOK_SECRET, body), body), context);
    } finally {
      out.mockRestore();
      err.mockRestore();
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    const text = written.join('');
    expect(text).toMatch(/"level":"DEBUG"|"level":"INFO"/);
    expect(text).toMatch(/webhook refused/);
    expect(leaks(text)).toEqual([]);
    output.push(text);
  });
});

describe('Security: webhook signatures', () => {
  const body = '{"type":"session.heartbeat","userId":"u"}';
  const now = Date.now();
  const id = 'msg_security';
  const timestamp = String(Math.floor(now / 1000));
  const good = signWebhook(WEBHOOK_SECRET, body, { id, timestampSeconds: Number(timestamp) })[
    'webhook-signature'
  ];
  const verify = (signature: string) =>
    verifyWebhookSignature({
      secrets: WEBHOOK_SECRET,
      id,
      timestamp,
      signature,
      rawBody: body,
      now,
    });

  it('accepts the exact digest and refuses one differing in its last byte', () => {
    expect(verify(good)).toEqual({ ok: true });
    const digest = Buffer.from(good.slice(3), 'base64');
    digest[31] = (digest[31] ?? 0) ^ 1;
    expect(verify(`v1,${digest.toString('base64')}`)).toMatchObject({ ok: false });
  });

  it('refuses shorter, longer and non-base64 digests without throwing', () => {
    for (const signature of [
      good.slice(0, -1),
      good.slice(0, -2),
      `${good}A`,
      `${good}AA`,
      'v1,',
      `v1,${'*'.repeat(44)}`,
      good.replace('v1,', 'v2,'),
      `v1,${Buffer.alloc(64).toString('base64')}`,
    ]) {
      expect(() => verify(signature)).not.toThrow();
      expect(verify(signature), signature).toMatchObject({ ok: false });
    }
  });

  it('compares digests with crypto.timingSafeEqual, never with string equality', () => {
    // A timing measurement would be noise on a shared machine; the code is the evidence.
    const source = readFileSync(join(repoRoot, 'src/webhook/signature.ts'), 'utf8');
    expect(source).toMatch(/import \{[^}]*timingSafeEqual[^}]*\} from 'node:crypto'/);
    expect(source).toMatch(/timingSafeEqual\(given, expected\)/);
    expect(source).not.toMatch(/(given|expected|digest\([^)]*\))\s*[!=]==/);
  });
});

describe('Security: the packaged IAM', () => {
  let template: {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const work = mkdtempSync(join(tmpdir(), 'car-reaper-iam-'));

  beforeAll(() => {
    // A copy of the service, so this packaging never races the packaging test
    // over .esbuild/ in the repository.
    for (const path of [
      'serverless.yml',
      'package.json',
      'tsconfig.json',
      'infra',
      'scripts',
      'functions',
      'src',
    ]) {
      cpSync(join(repoRoot, path), join(work, path), { recursive: true });
    }
    symlinkSync(join(repoRoot, 'node_modules'), join(work, 'node_modules'), 'dir');
    const result = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'node_modules/osls/bin/serverless.js'),
        'package',
        '--package',
        join(work, 'out'),
      ],
      {
        cwd: work,
        env: { PATH: process.env.PATH ?? '', HOME: work },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    if (result.status !== 0)
      throw new Error(`serverless package failed:\n${result.stdout}\n${result.stderr}`);
    template = JSON.parse(
      readFileSync(join(work, 'out', 'cloudformation-template-update-stack.json'), 'utf8'),
    );
  }, 120_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('has no wildcard action, no wildcard resource but its own log streams, no Not* escape hatch', () => {
    const statements = iamStatements(template.Resources as never);
    expect(statements.length).toBeGreaterThan(0);
    let logStreamGrants = 0;
    for (const [role, statement] of statements) {
      const raw = statement as unknown as Record<string, unknown>;
      expect(raw).not.toHaveProperty('NotAction');
      expect(raw).not.toHaveProperty('NotResource');
      expect(raw).not.toHaveProperty('NotPrincipal');
      for (const action of actionsOf(statement)) expect(action, role).not.toContain('*');
      for (const resource of [statement.Resource].flat()) {
        if (logStreamsOf(resource) === role.replace(/Role$/, 'LogGroup')) {
          logStreamGrants++;
          expect(actionsOf(statement).every((a) => a.startsWith('logs:'))).toBe(true);
          continue;
        }
        for (const text of strings(resource)) expect(text, role).not.toContain('*');
      }
    }
    // Every role trusts Lambda only.
    for (const [id, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== 'AWS::IAM::Role') continue;
      const trust = JSON.stringify(resource.Properties.AssumeRolePolicyDocument);
      expect(trust, id).toContain('lambda.amazonaws.com');
      expect(trust, id).not.toContain('"*"');
    }
    reportFigures('iam', {
      statements: statements.length,
      roles: Object.values(template.Resources).filter((r) => r.Type === 'AWS::IAM::Role').length,
      logStreamGrants,
    });
  });
});

/** One request as the project's own client sent it, captured on the wire. */
interface CapturedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

describe('Security: captured webhook deliveries end nobody', () => {
  const current = testWebhookSecret('captured-current');
  const next = testWebhookSecret('captured-next');
  let stack: ReliabilityStack;
  let server: WebhookServer;
  const captured: CapturedRequest[] = [];

  /** A fetch that records what the client sends, then sends it. */
  const capturingFetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    captured.push({
      path: url.pathname,
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: String(init?.body),
    });
    return fetch(input, init);
  };
  const client = (secret: string) =>
    createWebhookClient({ url: server.url, secret, fetch: capturingFetch });
  /** Sends a captured request again, byte for byte, to `path`. */
  const replay = async (request: CapturedRequest, path = request.path) => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const destroysOf = (userId: string) =>
    stack.emulator
      .calls()
      .filter((call) => call.action === 'DestroySession' && call.userId === userId).length;

  beforeAll(async () => {
    stack = await startReliabilityStack();
    const runtime = stack.runtime({}, { DISCONNECT_GRACE_SECONDS: '0' });
    server = await serveWebhooks(
      {
        store: runtime.store,
        deliveries: runtime.deliveries,
        reaper: runtime.reaper,
        // Mid-rotation: both secrets verify.
        config: { webhookSecret: `${current} ${next}`, disconnectGraceSeconds: 0 },
        clock: Date.now,
        logger: silentLogger,
      },
      0,
    );
  });

  afterAll(async () => {
    await server?.close();
    await stack?.stop();
  });

  it('a heartbeat replayed to /disconnect is refused and ends nobody', async () => {
    await stack.seed(['cap-hb'], Date.now());
    await client(current).heartbeat('cap-hb');
    const heartbeat = captured.at(-1) as CapturedRequest;
    expect(heartbeat.path).toBe('/heartbeat');

    const answer = await replay(heartbeat, '/disconnect');
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain('must be "session.disconnected"');
    expect(await stack.table.store.get('cap-hb')).toMatchObject({ state: 'active' });
    expect(stack.emulator.liveSessions()).toContain('cap-hb');
    expect(destroysOf('cap-hb')).toBe(0);
  });

  it('a disconnect replayed after the user came back ends nobody', async () => {
    await stack.seed(['cap-dc'], Date.now() - 60_000);
    const first = await client(current).disconnect('cap-dc');
    expect(first).toEqual({ userId: 'cap-dc', action: 'destroyed' });
    const disconnect = captured.at(-1) as CapturedRequest;
    expect(stack.emulator.liveSessions()).not.toContain('cap-dc');

    // The user starts again (a new CAR session under the same UserId) and is active.
    stack.emulator.seedSessions(['cap-dc']);
    await client(current).heartbeat('cap-dc');

    for (let i = 0; i < 3; i++) {
      const answer = await replay(disconnect);
      // Answered as the first delivery was, and nothing done again.
      expect(answer).toEqual({
        status: 202,
        body: { accepted: true, userId: 'cap-dc', action: 'destroyed' },
      });
    }
    expect(stack.emulator.liveSessions()).toContain('cap-dc');
    expect(await stack.table.store.get('cap-dc')).toMatchObject({ state: 'active' });
    expect(destroysOf('cap-dc')).toBe(1);
  });

  it('accepts a request signed with either configured secret and refuses a third', async () => {
    await stack.seed(['cap-rot'], Date.now() - 60_000);
    await expect(client(current).heartbeat('cap-rot')).resolves.toEqual({ recorded: 1 });
    await expect(client(next).heartbeat('cap-rot')).resolves.toEqual({ recorded: 1 });
    const third = await client(testWebhookSecret('captured-stranger'))
      .heartbeat('cap-rot')
      .catch((error: unknown) => error);
    expect(third).toBeInstanceOf(WebhookRequestError);
    expect((third as WebhookRequestError).status).toBe(401);
    reportFigures('captured-deliveries', {
      captured: captured.length,
      destroysAfterReplays: destroysOf('cap-dc') + destroysOf('cap-hb'),
    });
  });
});
