import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDynamoDbClient } from '../../../src/dynamodb/client.js';
import { DynamoDbOutcomeCounts } from '../../../src/dynamodb/outcome-counts.js';
import type { RecordedOutcome } from '../../../src/reaper/outcome-tally.js';
import { HOUR_MS } from '../../../src/report/hourly-counts.js';
import { aSession, createTestTable, type TestTable } from '../../helpers/dynamo.js';
import { type DynamoFaultProxy, startDynamoFaultProxy } from '../../helpers/dynamo-fault-proxy.js';

let table: TestTable;
let proxy: DynamoFaultProxy;
let client: DynamoDBClient;

const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
const isHourWrite = (body: string) => body.includes('outcomes#');

/** A manual destroy recorded at the start of the hour. */
const destroyed = (userId: string): RecordedOutcome => ({
  claim: {
    userId,
    claimant: 'test',
    token: 't',
    leaseExpiresAt: hour + 60_000,
    version: 2,
    attempts: 0,
    previous: aSession({ userId }, hour - 60_000),
    reason: 'manual',
  },
  outcome: { kind: 'destroyed', at: hour, attempts: 1 },
  trigger: 'manual',
  policy: { idleTimeoutMs: 300_000, disconnectGraceMs: 90_000, maxAgeMs: 0 },
});

async function countAll(counts: DynamoDbOutcomeCounts, userIds: string[]) {
  for (const userId of userIds) await counts.count(destroyed(userId));
  await counts.flush();
}

const destroyedInHour = async (counts: DynamoDbOutcomeCounts) =>
  (await counts.readHours(hour, hour)).hours[0]?.destroyed.manual;

beforeAll(async () => {
  table = await createTestTable();
  proxy = await startDynamoFaultProxy(table.endpoint);
  client = createDynamoDbClient({ awsRegion: 'us-east-1', dynamodbEndpoint: proxy.endpoint });
});

afterAll(async () => {
  client?.destroy();
  await proxy?.close();
  await table?.drop();
});

beforeEach(async () => {
  proxy.configure({ rate: 0, match: undefined, operations: undefined });
});

describe('Class: DynamoDbOutcomeCounts (answers lost after the write landed)', () => {
  it('adds a write once when the SDK repeats it after its answer was lost', async () => {
    const counts = new DynamoDbOutcomeCounts({ client, tableName: table.tableName });
    await countAll(counts, ['a-1', 'a-2', 'a-3']);
    const before = await destroyedInHour(counts);
    let hits = 0;
    // The first hour write lands, then its answer is replaced by a 500: the SDK sends it again.
    proxy.configure({
      rate: 0.5,
      when: 'after',
      kinds: ['internal'],
      operations: ['UpdateItem'],
      match: isHourWrite,
      random: () => (hits++ === 0 ? 0 : 1),
    });
    proxy.resetStats();
    await countAll(counts, ['b-1', 'b-2', 'b-3', 'b-4']);
    expect(proxy.stats().injected).toBe(1);
    expect(proxy.stats().byOperation.UpdateItem).toBe(2);
    expect(await destroyedInHour(counts)).toBe((before ?? 0) + 4);
  });

  it('adds a flush once when every attempt lost its answer and the next flush makes it again', async () => {
    const counts = new DynamoDbOutcomeCounts({ client, tableName: table.tableName });
    const before = (await destroyedInHour(counts)) ?? 0;
    proxy.configure({
      rate: 1,
      when: 'after',
      kinds: ['internal'],
      operations: ['UpdateItem'],
      match: isHourWrite,
      random: Math.random,
    });
    proxy.resetStats();
    await countAll(counts, ['c-1', 'c-2']);
    // Every attempt failed as far as the SDK knows; the first one had landed.
    expect(proxy.stats().injected).toBe(proxy.stats().byOperation.UpdateItem);
    expect(await destroyedInHour(counts)).toBe(before + 2);
    proxy.configure({ rate: 0 });
    await countAll(counts, ['d-1', 'd-2', 'd-3']);
    expect(await destroyedInHour(counts)).toBe(before + 5);
  });
});
