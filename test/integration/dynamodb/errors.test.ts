import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbClient } from '../../../src/dynamodb/client.js';
import { DynamoDbSessionStore } from '../../../src/dynamodb/dynamodb-session-store.js';
import { StoreError, ValidationError } from '../../../src/errors.js';
import { findFreePort } from '../../../src/local/free-port.js';
import { createTestTable, type TestTable } from '../../helpers/dynamo.js';

const NOW = Date.UTC(2026, 0, 1);
let table: TestTable;

beforeAll(async () => {
  table = await createTestTable();
});
afterAll(async () => {
  await table.drop();
});

const fieldOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) =>
      error instanceof ValidationError ? error.field : `not a ValidationError: ${error}`,
  );

describe('Bad input', () => {
  it.each([
    ['an empty id', ''],
    ['a number', 42],
    ['an id over 256 characters', 'x'.repeat(257)],
    ['a control character', 'bad\nid'],
    ['the reserved prefix', '__car-reaper#budget'],
  ])('refuses %s, naming the element of userIds', async (_, bad) => {
    await expect(
      fieldOf(table.store.recordActivity(['ok', 'fine', 'good', bad as string], NOW)),
    ).resolves.toBe('userIds[3]');
  });

  it('refuses a non-finite timestamp, naming `at`', async () => {
    await expect(fieldOf(table.store.recordActivity(['ok'], Number.NaN))).resolves.toBe('at');
    await expect(
      fieldOf(table.store.recordDisconnect('ok', Number.POSITIVE_INFINITY)),
    ).resolves.toBe('at');
  });

  it('refuses a bad userId on single-user calls, naming `userId`', async () => {
    await expect(fieldOf(table.store.recordDisconnect('', NOW))).resolves.toBe('userId');
    await expect(fieldOf(table.store.get('x'.repeat(300)))).resolves.toBe('userId');
    await expect(
      fieldOf(table.store.claimByUserId('__car-reaper#x', { now: NOW, leaseMs: 1, claimant: 'c' })),
    ).resolves.toBe('userId');
  });

  it('refuses bad search options, naming the option', () => {
    expect(() =>
      table.store.findCandidates({
        now: NOW,
        idleTimeoutMs: -1,
        disconnectGraceMs: 0,
        maxAgeMs: 0,
      }),
    ).toThrow(expect.objectContaining({ field: 'idleTimeoutMs' }));
    expect(() =>
      table.store.findCandidates({
        now: NOW,
        idleTimeoutMs: 1,
        disconnectGraceMs: 0,
        maxAgeMs: 0,
        pageSize: 0.5,
      }),
    ).toThrow(expect.objectContaining({ field: 'pageSize' }));
  });

  it('writes nothing when one id of a call is bad', async () => {
    await expect(table.store.recordActivity(['valid-2', ''], NOW)).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(await table.store.get('valid-2')).toBeUndefined();
  });
});

describe('Store errors', () => {
  it('reports an unreachable endpoint as a retryable StoreError naming it', async () => {
    const endpoint = `http://127.0.0.1:${await findFreePort()}`;
    const client = createDynamoDbClient(
      { awsRegion: 'us-east-1', dynamodbEndpoint: endpoint },
      { maxAttempts: 1 },
    );
    const store = new DynamoDbSessionStore({ client, tableName: 'sessions' });
    const error = await store.recordActivity(['someone'], NOW).catch((e: unknown) => e);
    client.destroy();
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toContain(`cannot reach DynamoDB at ${endpoint}`);
    expect((error as StoreError).retryable).toBe(true);
  });

  it('reports a missing table as a StoreError telling how to create it', async () => {
    const store = new DynamoDbSessionStore({ client: table.client, tableName: 'no-such-table' });
    const error = await store.get('someone').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(
      /no-such-table.*not found.*car-reaper table create/,
    );
    expect((error as StoreError).retryable).toBe(false);
  });
});
