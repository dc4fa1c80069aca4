import { availableParallelism, cpus } from 'node:os';
import {
  createRuntime,
  type Runtime,
  type RuntimeOverrides,
} from '../../../src/dynamodb/runtime.js';
import {
  type CallRecord,
  type CarEmulator,
  type EmulatorOptions,
  startCarEmulator,
} from '../../../src/emulator/index.js';
import { loadConfig } from '../../../src/load-config.js';
import type { Session } from '../../../src/sessions/session-store.js';
import { stackEnv, testCredentials } from '../../helpers/car.js';
import { aSession, createTestTable, seedSessions, type TestTable } from '../../helpers/dynamo.js';

/** DynamoDB Local table + CAR emulator, and runtimes wired to both from an environment. */
export interface ReliabilityStack {
  table: TestTable;
  emulator: CarEmulator;
  /** What a process (or loadConfig) needs to reach this table and emulator. */
  env: Record<string, string>;
  /** A runtime built by createRuntime from `env` + `extraEnv` (its own DynamoDB client). */
  runtime(overrides?: RuntimeOverrides, extraEnv?: Record<string, string>): Runtime;
  /** Seeds sessions last active at `at`, live at the emulator too. */
  seed(ids: readonly string[], at: number, extra?: Partial<Session>): Promise<void>;
  stop(): Promise<void>;
}

export async function startReliabilityStack(
  emulator: EmulatorOptions = {},
): Promise<ReliabilityStack> {
  const table = await createTestTable();
  const car = await startCarEmulator({ credentials: { ...testCredentials }, ...emulator });
  const env = {
    ...stackEnv(table, car.url),
  };
  const runtimes: Runtime[] = [];
  return {
    table,
    emulator: car,
    env,
    runtime(overrides = {}, extraEnv = {}) {
      const runtime = createRuntime(loadConfig({ ...env, ...extraEnv }), overrides);
      runtimes.push(runtime);
      return runtime;
    },
    async seed(ids, at, extra = {}) {
      await seedSessions(
        table,
        ids.map((userId) => aSession({ userId, ...extra }, at)),
      );
      car.seedSessions(ids);
    },
    async stop() {
      for (const runtime of runtimes) await runtime.close();
      await car.stop();
      await table.drop();
    },
  };
}

/** `prefix-0` .. `prefix-(n-1)`. */
export const ids = (prefix: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/** DestroySession calls the emulator received, per UserId. */
export function destroyCallsPerUser(calls: readonly CallRecord[]): Map<string, number> {
  const perUser = new Map<string, number>();
  for (const call of calls) {
    if (call.action !== 'DestroySession' || call.userId === undefined) continue;
    perUser.set(call.userId, (perUser.get(call.userId) ?? 0) + 1);
  }
  return perUser;
}

/** Largest value of a map (0 when empty). */
export const maxOf = (values: Iterable<number>): number => Math.max(0, ...values);

/**
 * Prints one line of figures (`[figures] name {...}`) for docs/reliability.md;
 * the test asserts on the outcomes, never on these numbers' speed.
 */
export function reportFigures(name: string, figures: Record<string, unknown>): void {
  const machine = `${availableParallelism()} cpu ${cpus()[0]?.model ?? '?'}, node ${process.version}`;
  console.log(`[figures] ${name} ${JSON.stringify({ ...figures, machine })}`);
}
