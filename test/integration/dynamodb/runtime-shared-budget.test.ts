import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEXT_SLOT_ATTRIBUTE } from '../../../src/dynamodb/budget-slot-store.js';
import { createRuntime } from '../../../src/dynamodb/runtime.js';
import { type CarEmulator, startCarEmulator } from '../../../src/emulator/index.js';
import { loadConfig } from '../../../src/load-config.js';
import { SharedRateBudget } from '../../../src/rate/shared-rate-budget.js';
import { SlidingWindowLimiter } from '../../../src/rate/sliding-window-limiter.js';
import { DESTROY_SESSION_BUDGET_KEY } from '../../../src/rate/slot-math.js';
import { stackEnv, testCredentials } from '../../helpers/car.js';
import { aSession, createTestTable, seedSessions, type TestTable } from '../../helpers/dynamo.js';
import { FakeSessionStore } from '../../helpers/fake-store.js';

describe('createRuntime with the shared budget', () => {
  let table: TestTable;
  let emulator: CarEmulator;
  let env: Record<string, string>;
  beforeAll(async () => {
    table = await createTestTable();
    emulator = await startCarEmulator({ credentials: { ...testCredentials } });
    env = {
      ...stackEnv(table, emulator.url),
    };
  });
  afterAll(async () => {
    await emulator.stop();
    await table.drop();
  });

  it('uses the shared budget by default: sweeps and named destroys take slots from the table', async () => {
    const at = Date.now() - 10 * 60_000;
    const ids = ['stale-1', 'stale-2', 'stale-3'];
    await seedSessions(
      table,
      [...ids, 'named'].map((userId) => aSession({ userId }, at)),
    );
    emulator.seedSessions([...ids, 'named']);
    const runtime = createRuntime(loadConfig(env));
    try {
      expect(runtime.budget).toBeInstanceOf(SharedRateBudget);
      const named = await runtime.reaper.reap({ trigger: 'manual', userIds: ['named'] });
      expect(named.destroyed).toBe(1);
      const sweep = await runtime.reaper.reap({ trigger: 'schedule' });
      expect(sweep.destroyed).toBe(3);
      const stats = (runtime.budget as SharedRateBudget).stats();
      expect(stats.wait.priority.count).toBe(1);
      expect(stats.wait.bulk.count).toBe(3);
      expect(stats.fallbacks).toBe(0);
      const item = await table.client.send(
        new GetItemCommand({
          TableName: table.tableName,
          Key: { userId: { S: DESTROY_SESSION_BUDGET_KEY } },
        }),
      );
      expect(item.Item?.[NEXT_SLOT_ATTRIBUTE]?.N).toBeDefined();
    } finally {
      await runtime.close();
    }
    expect(emulator.liveSessions()).toEqual([]);
  });

  it('shares the budget when the store given keeps its sessions in the table', async () => {
    const runtime = createRuntime(loadConfig(env), { store: table.store, sessionsIn: 'table' });
    expect(runtime.budget).toBeInstanceOf(SharedRateBudget);
    await runtime.close();
  });

  it("keeps a process's own limiter with budgetMode 'local', or with an in-memory store", async () => {
    const local = createRuntime(loadConfig(env), { budgetMode: 'local' });
    const inMemory = createRuntime(loadConfig(env), { store: new FakeSessionStore() });
    expect(local.budget).toBeInstanceOf(SlidingWindowLimiter);
    expect(inMemory.budget).toBeInstanceOf(SlidingWindowLimiter);
    await local.close();
    await inMemory.close();
  });
});
