import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDynamoDbClient } from '../../../src/dynamodb/client.js';
import { DynamoDbSessionStore } from '../../../src/dynamodb/dynamodb-session-store.js';
import { type CarEmulator, startCarEmulator } from '../../../src/emulator/index.js';
import { stackEnv, testCredentials } from '../../helpers/car.js';
import { buildCli, runCarReaper } from '../../helpers/cli.js';

const endpoint = inject('dynamodbEndpoint');
const tableName = `cli-${randomUUID().slice(0, 8)}`;
const client = createDynamoDbClient({ awsRegion: 'us-east-1', dynamodbEndpoint: endpoint });
const store = new DynamoDbSessionStore({ client, tableName });
let emulator: CarEmulator;

/** The settings of a CLI run against DynamoDB Local and the in-process emulator. */
const env = (extra: Record<string, string | undefined> = {}) => ({
  ...stackEnv({ tableName, endpoint }, emulator.url),
  IDLE_TIMEOUT_SECONDS: '300',
  ...extra,
});

const HOUR = 3_600_000;

beforeAll(async () => {
  emulator = await startCarEmulator({ credentials: { ...testCredentials } });
  await buildCli();
});

afterAll(async () => {
  await emulator?.stop();
  client.destroy();
});

describe('car-reaper table create', () => {
  it('creates the table, and a second run finds it and changes nothing', async () => {
    const first = await runCarReaper(['table', 'create'], env());
    expect(first).toMatchObject({ status: 0, stdout: `table ${tableName} created\n` });
    const second = await runCarReaper(['table', 'create'], env());
    expect(second).toMatchObject({
      status: 0,
      stdout: `table ${tableName} already exists; nothing to do\n`,
    });
  });
});

describe('car-reaper touch / disconnect', () => {
  it('records activity for ids given as arguments and one a line on stdin', async () => {
    const before = Date.now();
    const args = await runCarReaper(['touch', 'touch-a', 'touch-b'], env());
    expect(args).toMatchObject({ status: 0, stdout: 'recorded activity for 2 users\n' });
    const ids = Array.from({ length: 150 }, (_, i) => `stdin-${i}`);
    const piped = await runCarReaper(['touch', '--stdin'], env(), `${ids.join('\n')}\n\n`);
    expect(piped).toMatchObject({ status: 0, stdout: 'recorded activity for 150 users\n' });
    for (const userId of ['touch-a', 'stdin-0', 'stdin-149']) {
      const session = await store.get(userId);
      expect(session?.state).toBe('active');
      expect(session?.lastActiveAt).toBeGreaterThanOrEqual(before);
    }
  });

  it('records a disconnect', async () => {
    const result = await runCarReaper(['disconnect', 'touch-b'], env());
    expect(result).toMatchObject({ status: 0, stdout: 'recorded a disconnect for 1 user\n' });
    expect((await store.get('touch-b'))?.state).toBe('disconnected');
  });
});

describe('car-reaper reap / destroy', () => {
  it('reap --json destroys the stale session only and prints the summary fields', async () => {
    await store.recordActivity(['reap-stale'], Date.now() - HOUR);
    await store.recordActivity(['reap-fresh'], Date.now());
    emulator.seedSessions(['reap-stale', 'reap-fresh']);
    const result = await runCarReaper(['reap', '--json'], env());
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout);
    for (const field of [
      'candidates',
      'destroyed',
      'failed',
      'retried',
      'throttled',
      'skipped',
      'dryRun',
      'durationMs',
    ]) {
      expect(summary).toHaveProperty(field);
    }
    expect(summary).toMatchObject({ dryRun: false, failed: 0 });
    expect(summary.destroyed).toBeGreaterThanOrEqual(1);
    // One slot per call, from the budget item shared through the table.
    expect(summary.rateBudget).toMatchObject({ granted: summary.calls, fallbacks: 0 });
    expect(summary.rateBudget.writes).toBeGreaterThanOrEqual(1);
    expect((await store.get('reap-stale'))?.state).toBe('destroyed');
    expect((await store.get('reap-fresh'))?.state).toBe('active');
    expect(emulator.liveSessions()).toContain('reap-fresh');
    expect(emulator.liveSessions()).not.toContain('reap-stale');
  });

  it('reap --dry-run --json lists what it would destroy and destroys nothing', async () => {
    await store.recordActivity(['dry-stale'], Date.now() - HOUR);
    const result = await runCarReaper(['reap', '--dry-run', '--json'], env());
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ dryRun: true, destroyed: 0 });
    expect(summary.wouldDestroy).toContain('dry-stale');
    expect((await store.get('dry-stale'))?.state).toBe('active');
  });

  it('destroy --json ends the named sessions now and records the outcome', async () => {
    await store.recordActivity(['destroy-me'], Date.now());
    emulator.seedSessions(['destroy-me']);
    const result = await runCarReaper(['destroy', 'destroy-me', '--json'], env());
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ candidates: 1, destroyed: 1, failed: 0 });
    expect((await store.get('destroy-me'))?.state).toBe('destroyed');
    expect(emulator.liveSessions()).not.toContain('destroy-me');
  });

  it('exits 1 with the summary when CAR refuses the credentials', async () => {
    await store.recordActivity(['auth-victim'], Date.now());
    const result = await runCarReaper(
      ['destroy', 'auth-victim', '--json'],
      env({ TENCENTCLOUD_SECRET_KEY: 'wrong-key' }),
    );
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ stoppedAt: 'auth', destroyed: 0 });
    expect(result.stderr).toMatch(/CAR refused the credentials \(AuthFailure/);
  });
});

describe('car-reaper status', () => {
  it('--json shows sessions by state and CAR running/total', async () => {
    const result = await runCarReaper(['status', '--json'], env());
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.table).toBe(tableName);
    expect(report.sessions.destroyed).toBeGreaterThanOrEqual(2);
    expect(report.sessions.active).toBeGreaterThanOrEqual(150);
    expect(report.car).toEqual({
      reachable: true,
      endpoint: emulator.url,
      running: emulator.liveSessions().length,
      total: 100,
    });
  });

  it('still prints the counts, and says CAR is unreachable, when it is', async () => {
    const result = await runCarReaper(
      ['status'],
      env({ CAR_ENDPOINT: 'http://127.0.0.1:1', CAR_TIMEOUT_MS: '1000' }),
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/active\s+\d/);
    expect(result.stdout).toContain('CAR is unreachable at http://127.0.0.1:1');
  });

  it('says plainly when Tencent credentials are missing', async () => {
    const result = await runCarReaper(
      ['status', '--json'],
      env({ TENCENTCLOUD_SECRET_ID: undefined }),
    );
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).car).toMatchObject({
      reachable: false,
      reason: 'credentials',
    });
  });
});
