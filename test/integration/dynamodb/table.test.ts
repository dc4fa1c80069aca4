import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGE_INDEX, DUE_INDEX, TTL_ATTRIBUTE } from '../../../src/dynamodb/schema.js';
import { ensureTable } from '../../../src/dynamodb/table-definition.js';
import { aSession, createTestTable, seedSessions, type TestTable } from '../../helpers/dynamo.js';

const NOW = Date.UTC(2026, 0, 1);
let table: TestTable;

beforeAll(async () => {
  table = await createTestTable();
});
afterAll(async () => {
  await table.drop();
});

describe('Function: ensureTable', () => {
  it('creates the table from infra/ with both indexes and TTL on its attribute', async () => {
    const described = await table.client.send(
      new DescribeTableCommand({ TableName: table.tableName }),
    );
    expect(described.Table?.TableStatus).toBe('ACTIVE');
    expect(described.Table?.KeySchema).toEqual([{ AttributeName: 'userId', KeyType: 'HASH' }]);
    expect(described.Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(
      [AGE_INDEX, DUE_INDEX].sort(),
    );
    const ttl = await table.client.send(
      new DescribeTimeToLiveCommand({ TableName: table.tableName }),
    );
    expect(ttl.TimeToLiveDescription).toMatchObject({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: TTL_ATTRIBUTE,
    });
  });

  it('is idempotent: a second call creates nothing and changes nothing', async () => {
    await expect(ensureTable(table.client, table.tableName)).resolves.toEqual({
      tableName: table.tableName,
      created: false,
      ttlEnabled: false,
    });
  });
});

describe('Method: counts', () => {
  it('counts sessions by state, leaving out the reserved rate-budget items', async () => {
    await seedSessions(table, [
      aSession({ userId: 'a1' }, NOW),
      aSession({ userId: 'a2' }, NOW),
      aSession({ userId: 'd1', state: 'disconnected', disconnectedAt: NOW }, NOW),
      aSession({ userId: 'x1', state: 'destroyed', destroyedAt: NOW }, NOW),
      aSession({ userId: 'f1', state: 'failed', lastError: 'e' }, NOW),
      aSession({ userId: 'r1', state: 'reaping', reapedBy: 'run', leaseExpiresAt: NOW }, NOW),
    ]);
    await table.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: { userId: { S: '__car-reaper#budget' }, state: { S: 'active' }, tokens: { N: '5' } },
      }),
    );
    expect(await table.store.counts()).toEqual({
      active: 2,
      disconnected: 1,
      reaping: 1,
      destroyed: 1,
      failed: 1,
    });
  });
});
