// The real stack the shared-quota and scale benchmarks run on: DynamoDB Local
// with the sessions table from infra/, the CAR emulator, and helpers to seed
// sessions, run reap workers in child processes and read the emulator's log.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import pLimit from 'p-limit';
import { createDynamoDbClient } from '../../src/dynamodb/client.js';
import { sessionToItem } from '../../src/dynamodb/item-mapping.js';
import { ensureTable } from '../../src/dynamodb/table-definition.js';
import { maxInAnyWindow } from '../../src/emulator/index.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../src/local/dynamodb-local.js';
import type { Session } from '../../src/sessions/session-store.js';
import { type EmulatorProcess, startEmulatorProcess } from '../../test/helpers/emulator-process.js';

const here = dirname(fileURLToPath(import.meta.url));

export const benchCredentials = {
  secretId: 'AKIDbenchBudgetSecretId0000000000000',
  secretKey: 'benchBudgetSecretKey000000000000000',
};
export const WEBHOOK_SECRET = `whsec_${Buffer.from('bench-webhook-secret-0123456').toString('base64')}`;

export interface BudgetStack {
  dynamo: DynamoDbLocal;
  client: DynamoDBClient;
  tableName: string;
  /** The emulator, in a process of its own: its clock and event loop are not the load's. */
  emulator: EmulatorProcess;
  /** Environment for a car-reaper process on this stack. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Starts DynamoDB Local (table from infra/) and the emulator at `quota` DestroySession/s. */
export async function startBudgetStack(quota: number): Promise<BudgetStack> {
  const dynamo = await startDynamoDbLocal();
  const config = { awsRegion: 'us-east-1', dynamodbEndpoint: dynamo.endpoint };
  const client = createDynamoDbClient(config, { maxSockets: 128 });
  const tableName = 'car-reaper-bench';
  await ensureTable(client, tableName);
  const emulator = await startEmulatorProcess({ credentials: benchCredentials, rate: quota });
  const env = {
    SESSIONS_TABLE: tableName,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    TENCENTCLOUD_SECRET_ID: benchCredentials.secretId,
    TENCENTCLOUD_SECRET_KEY: benchCredentials.secretKey,
    CAR_ENDPOINT: emulator.url,
    CAR_QUOTA_RPS: String(quota),
    WEBHOOK_SECRET,
    DISCONNECT_GRACE_SECONDS: '0',
    AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
  };
  return {
    dynamo,
    client,
    tableName,
    emulator,
    env,
    async close() {
      await emulator.stop();
      client.destroy();
      await dynamo.stop();
    },
  };
}

/** Writes sessions last active at `lastActiveAt` straight into the table (the store's item shape). */
export async function seedSessions(
  stack: Pick<BudgetStack, 'client' | 'tableName'>,
  userIds: readonly string[],
  lastActiveAt: number,
): Promise<void> {
  const limit = pLimit(16);
  const batches: Record<string, AttributeValue>[][] = [];
  for (let start = 0; start < userIds.length; start += 25) {
    batches.push(
      userIds.slice(start, start + 25).map((userId) => {
        const session: Session = {
          userId,
          state: 'active',
          lastActiveAt,
          startedAt: lastActiveAt,
          attempts: 0,
          version: 1,
        };
        return sessionToItem(session);
      }),
    );
  }
  await Promise.all(
    batches.map((items) =>
      limit(async () => {
        let requests = items.map((Item) => ({ PutRequest: { Item } }));
        while (requests.length > 0) {
          const output = await stack.client.send(
            new BatchWriteItemCommand({ RequestItems: { [stack.tableName]: requests } }),
          );
          requests = (output.UnprocessedItems?.[stack.tableName] ?? []).flatMap((r) =>
            r.PutRequest?.Item ? [{ PutRequest: { Item: r.PutRequest.Item } }] : [],
          );
        }
      }),
    ),
  );
}

/** A child process running bench/lib/budget-reap-worker.ts (or any command) that prints JSON lines. */
export interface Worker {
  child: ChildProcess;
  /** Every JSON line it printed. */
  lines: Record<string, unknown>[];
  /** Everything it printed on stdout. */
  stdout(): string;
  /** Resolves with the exit code once it exits. */
  exited: Promise<number>;
  /** Resolves with the first line whose `event` is `name`. */
  waitFor(name: string): Promise<Record<string, unknown>>;
}

/** Starts a reap worker (or `command`) with `env`; stderr goes to ours, prefixed. */
export function startWorker(
  name: string,
  env: Record<string, string>,
  command: string[] = ['--import', 'tsx', join(here, 'budget-reap-worker.ts')],
): Worker {
  // BENCH_PROF=<dir>: each worker writes a V8 CPU profile there (NODE_OPTIONS refuses --cpu-prof).
  const profile = process.env.BENCH_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`]
    : [];
  const child = spawn(process.execPath, [...profile, ...command], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const waiters: { name: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    lines.push(line);
    for (const waiter of waiters.filter((w) => w.name === line.event)) waiter.resolve(line);
  });
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (text) => {
    if (/"level":"(INFO|DEBUG)"/.test(text)) return;
    if (
      !/NodeVersionSupportWarning|node >=22|upgrade to node|a\.co\/|trace-warnings|^$|versions published|To continue receiving|security updates please/.test(
        text,
      )
    ) {
      process.stderr.write(`[${name}] ${text}\n`);
    }
  });
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  return {
    child,
    lines,
    stdout: () => out,
    exited,
    waitFor: (event) =>
      new Promise((resolve) => {
        const seen = lines.find((line) => line.event === event);
        if (seen) resolve(seen);
        else waiters.push({ name: event, resolve });
      }),
  };
}

/** DestroySession figures from the emulator's call log. */
export async function destroyFigures(emulator: EmulatorProcess) {
  const calls = await emulator.calls();
  const ok = calls.filter((c) => c.outcome === 'ok');
  const throttledCalls = calls.filter((c) => c.code?.startsWith('RequestLimitExceeded'));
  const throttled = throttledCalls.length;
  const perUser = new Map<string, number>();
  for (const call of ok) perUser.set(call.userId ?? '', (perUser.get(call.userId ?? '') ?? 0) + 1);
  const arrivals = ok.map((c) => c.at).sort((a, b) => a - b);
  const first = arrivals[0] ?? 0;
  const last = arrivals[arrivals.length - 1] ?? 0;
  const firstArrival = new Map<string, number>();
  for (const call of ok)
    if (!firstArrival.has(call.userId ?? '')) firstArrival.set(call.userId ?? '', call.at);
  return {
    calls: calls.length,
    ok: ok.length,
    throttled,
    errors: calls.length - ok.length - throttled,
    perUser,
    firstArrival,
    arrivals,
    maxInAnySecond: maxInAnyWindow(
      calls.map((c) => c.at),
      1000,
    ),
    /** When the throttled calls arrived, in ms after the first destroy. */
    throttledAt: throttledCalls.map((c) => c.at - first),
    spanMs: last - first,
    ratePerSecond: arrivals.length > 1 ? ((arrivals.length - 1) * 1000) / (last - first) : 0,
  };
}

/** p-th percentile (0-100) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
