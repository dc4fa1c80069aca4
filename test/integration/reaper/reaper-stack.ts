import {
  createRuntime,
  type Runtime,
  type RuntimeOverrides,
} from '../../../src/dynamodb/runtime.js';
import {
  type CarEmulator,
  type EmulatorOptions,
  startCarEmulator,
} from '../../../src/emulator/index.js';
import { loadConfig } from '../../../src/load-config.js';
import { stackEnv, testCredentials } from '../../helpers/car.js';
import { aSession, createTestTable, seedSessions, type TestTable } from '../../helpers/dynamo.js';

/** DynamoDB Local table + CAR emulator + a runtime wired to both through the real SDKs. */
export interface ReaperStack {
  table: TestTable;
  emulator: CarEmulator;
  /** Environment a child process needs to reach the same table and emulator. */
  env: Record<string, string>;
  runtime(overrides?: RuntimeOverrides, env?: Record<string, string>): Runtime;
  /** Seeds `n` sessions idle for 10 minutes, live at the emulator too. */
  seedStale(n: number, prefix?: string): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startReaperStack(
  emulatorOptions: EmulatorOptions = {},
): Promise<ReaperStack> {
  const table = await createTestTable();
  const emulator = await startCarEmulator({
    credentials: { ...testCredentials },
    ...emulatorOptions,
  });
  const env = {
    ...stackEnv(table, emulator.url),
  };
  const runtimes: Runtime[] = [];
  return {
    table,
    emulator,
    env,
    runtime(overrides = {}, extraEnv = {}) {
      const runtime = createRuntime(loadConfig({ ...env, ...extraEnv }), {
        store: table.store,
        sessionsIn: 'table',
        ...overrides,
      });
      runtimes.push(runtime);
      return runtime;
    },
    async seedStale(n, prefix = 'stale') {
      const at = Date.now() - 10 * 60_000;
      const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
      await seedSessions(
        table,
        ids.map((userId) => aSession({ userId }, at)),
      );
      emulator.seedSessions(ids);
      return ids;
    },
    async stop() {
      for (const runtime of runtimes) await runtime.close();
      await emulator.stop();
      await table.drop();
    },
  };
}
