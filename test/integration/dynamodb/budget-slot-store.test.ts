import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbSlotStore, NEXT_SLOT_ATTRIBUTE } from '../../../src/dynamodb/budget-slot-store.js';
import { createDynamoDbClient } from '../../../src/dynamodb/client.js';
import { maxInAnyWindow } from '../../../src/emulator/quota.js';
import { SharedRateBudget } from '../../../src/rate/shared-rate-budget.js';
import { DESTROY_SESSION_BUDGET_KEY } from '../../../src/rate/slot-math.js';
import { createTestTable, type TestTable } from '../../helpers/dynamo.js';

/** A budget as a separate process would have it: its own client on the same table. */
function processBudget(tableName: string, quota: number) {
  const client = createDynamoDbClient({
    awsRegion: 'us-east-1',
    dynamodbEndpoint: inject('dynamodbEndpoint'),
  });
  let writes = 0;
  // A cold DynamoDB Local can take seconds over its first writes: no fallback for that here.
  const store = new DynamoDbSlotStore({ client, tableName, timeoutMs: 15_000 });
  const counted = {
    write: (...args: Parameters<DynamoDbSlotStore['write']>) => {
      writes++;
      return store.write(...args);
    },
  };
  const budget = new SharedRateBudget(counted, { quota });
  return { budget, client, writes: () => writes };
}

describe('SharedRateBudget on DynamoDB Local', () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await createTestTable();
  });
  afterAll(async () => {
    await table.drop();
  });

  it('keeps three processes hammering one item within the quota in every second', async () => {
    const quota = 100;
    const processes = [1, 2, 3].map(() => processBudget(table.tableName, quota));
    const grants: number[] = [];
    await Promise.all(
      processes.map(({ budget }) =>
        Promise.all(
          Array.from({ length: 8 }, async () => {
            for (let i = 0; i < 13; i++) {
              await budget.take();
              grants.push(Date.now());
            }
          }),
        ),
      ),
    );
    for (const p of processes) p.client.destroy();
    expect(grants).toHaveLength(312);
    expect(maxInAnyWindow(grants, 1000)).toBeLessThanOrEqual(quota);
    const writes = processes.reduce((sum, p) => sum + p.writes(), 0);
    const stats = processes.map((p) => p.budget.stats());
    expect(stats.reduce((sum, s) => sum + s.granted, 0)).toBe(312);
    // Every write is one conditional UpdateItem, failed conditions included.
    expect(stats.reduce((sum, s) => sum + s.writes, 0)).toBe(writes);
    expect(stats.every((s) => s.fallbacks === 0)).toBe(true);
    // Writes per call granted (<= 0.2 is the goal) depend on timing: measured in bench/.
    expect(writes).toBeLessThan(grants.length);
  });

  it('keeps the timeline in the sessions table under the reserved key, out of the counts', async () => {
    const item = await table.client.send(
      new GetItemCommand({
        TableName: table.tableName,
        Key: { userId: { S: DESTROY_SESSION_BUDGET_KEY } },
        ConsistentRead: true,
      }),
    );
    expect(Number(item.Item?.[NEXT_SLOT_ATTRIBUTE]?.N)).toBeGreaterThan(Date.now() * 1000 - 60e6);
    const counts = await table.store.counts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('falls back to its local share when the table cannot be reached', async () => {
    const { budget, client } = processBudget('no-such-table', 100);
    const grants: number[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 5; i++) {
          await budget.take();
          grants.push(Date.now());
        }
      }),
    );
    client.destroy();
    expect(budget.stats()).toMatchObject({ fallbacks: 1, fallbackGrants: 20, granted: 20 });
    expect(budget.currentRate()).toBe(25);
    expect(maxInAnyWindow(grants, 1000)).toBeLessThanOrEqual(25);
  });
});
