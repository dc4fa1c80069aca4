// What tracking activity costs in DynamoDB writes. N users heartbeat every
// 5 s for a simulated hour (virtual time: each write carries its simulated
// timestamp), on DynamoDB Local, through
// - the heartbeat handler as the Lambda container wires it (activity
//   coalesced per warm container), one batched request per 5 s as the
//   webhook client sends them (up to 1,000 ids a request);
// - the library's recorder, one call per user and heartbeat, the users spread
//   over the 5 s.
// Every write asks for ReturnConsumedCapacity INDEXES. A write whose condition
// fails is charged too but its error reports nothing: it is counted as 1 write
// unit on the table (these items are under 1 KB).
// Run: `npm run bench -- activity`   BENCH_USERS=<users, default 100>
import { cpus, loadavg } from 'node:os';
import type { ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createActivityRecorder } from '../src/client/activity-recorder.js';
import { createDynamoDbClient } from '../src/dynamodb/client.js';
import { DynamoDbSessionStore, dueIndexStepFor } from '../src/dynamodb/dynamodb-session-store.js';
import { ensureTable } from '../src/dynamodb/table-definition.js';
import { handleHeartbeat } from '../src/handlers/heartbeat.js';
import { startDynamoDbLocal } from '../src/local/dynamodb-local.js';
import { silentLogger } from '../src/logger.js';
import { coalesceActivity } from '../src/sessions/activity-coalescer.js';

const USERS = Number(process.env.BENCH_USERS ?? 100);
const HEARTBEAT_MS = 5_000;
const HOUR_MS = 3_600_000;
const BEATS = HOUR_MS / HEARTBEAT_MS;
const T0 = Date.UTC(2026, 0, 1);
/** On-demand write request units, US East: $0.625 per million. */
const DOLLARS_PER_WCU = 0.625 / 1_000_000;
/** Before coalescing: every heartbeat an UpdateItem of 3 units (table 1, due index 2). */
const TODAY_WCU_PER_USER_HOUR = BEATS * 3;
const WRITES = new Set(['UpdateItemCommand', 'PutItemCommand', 'DeleteItemCommand']);

/** Write requests and the capacity DynamoDB reported for them. */
interface WriteMeter {
  requests: number;
  conditionFailed: number;
  units: { table: number; due: number; age: number };
}

function meterWrites(client: DynamoDBClient): WriteMeter {
  const meter: WriteMeter = {
    requests: 0,
    conditionFailed: 0,
    units: { table: 0, due: 0, age: 0 },
  };
  const add = (consumed: ConsumedCapacity | undefined) => {
    meter.units.table += consumed?.Table?.CapacityUnits ?? 0;
    for (const [name, index] of Object.entries(consumed?.GlobalSecondaryIndexes ?? {})) {
      if (name === 'due' || name === 'age') meter.units[name] += index.CapacityUnits ?? 0;
    }
  };
  type Handler = (args: { input: Record<string, unknown> }) => Promise<{ output: unknown }>;
  const middleware =
    (next: Handler, context: { commandName?: string }) =>
    async (args: { input: Record<string, unknown> }) => {
      if (!WRITES.has(context.commandName ?? '')) return next(args);
      args.input.ReturnConsumedCapacity = 'INDEXES';
      meter.requests++;
      try {
        const result = await next(args);
        add((result.output as { ConsumedCapacity?: ConsumedCapacity }).ConsumedCapacity);
        return result;
      } catch (error) {
        if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
          meter.conditionFailed++;
          meter.units.table += 1;
        }
        throw error;
      }
    };
  // The stack's overloads are typed per step; this one runs first, on the command's input.
  const stack = client.middlewareStack as unknown as {
    add(middleware: unknown, options: { step: 'initialize'; name: string }): void;
  };
  stack.add(middleware, { step: 'initialize', name: 'benchWriteMeter' });
  return meter;
}

interface Scenario {
  name: string;
  users: number;
  resolutionSeconds: number;
  stepMs: number;
  path: 'handler' | 'library';
}

interface Outcome {
  scenario: Scenario;
  meter: WriteMeter;
  invocations: number;
  seconds: number;
}

const userIds = (count: number) => Array.from({ length: count }, (_, i) => `user-${i}`);

async function run(endpoint: string, scenario: Scenario, table: string): Promise<Outcome> {
  const client = createDynamoDbClient(
    { awsRegion: 'us-east-1', dynamodbEndpoint: endpoint },
    { maxSockets: 64 },
  );
  await ensureTable(client, table);
  const meter = meterWrites(client);
  const ids = userIds(scenario.users);
  const settings = {
    activityResolutionSeconds: scenario.resolutionSeconds,
    disconnectGraceSeconds: 90,
  };
  const started = Date.now();
  let invocations = 0;
  if (scenario.path === 'handler') {
    const store = new DynamoDbSessionStore({
      client,
      tableName: table,
      dueIndexStepMs: scenario.stepMs,
    });
    const activity = coalesceActivity(store, settings);
    let now = T0;
    const deps = {
      store: {
        recordActivity: (u: readonly string[], at: number) => activity.recordActivity(u, at),
        recordDisconnect: (u: string, at: number) => activity.recordDisconnect(u, at),
        get: (u: string) => store.get(u),
      },
      clock: () => now,
      logger: silentLogger,
    };
    for (let beat = 0; beat < BEATS; beat++) {
      now = T0 + beat * HEARTBEAT_MS;
      for (let start = 0; start < ids.length; start += 1000) {
        const batch = ids.slice(start, start + 1000);
        const answer = await handleHeartbeat({ type: 'session.heartbeat', userIds: batch }, deps);
        if (answer.status !== 202) throw new Error(`heartbeat answered ${answer.status}`);
        invocations++;
      }
    }
  } else {
    const recorder = createActivityRecorder({
      client,
      config: { tableName: table, awsRegion: 'us-east-1', ...settings },
    });
    const phase = (index: number) => Math.floor((index * HEARTBEAT_MS) / ids.length);
    for (let beat = 0; beat < BEATS; beat++) {
      await Promise.all(
        ids.map((userId, index) =>
          recorder.recordActivity(userId, T0 + beat * HEARTBEAT_MS + phase(index)),
        ),
      );
    }
  }
  client.destroy();
  return { scenario, meter, invocations, seconds: (Date.now() - started) / 1000 };
}

const fixed = (value: number, digits = 1) => value.toFixed(digits);

function row(outcome: Outcome): string {
  const { scenario, meter } = outcome;
  const per = (value: number) => value / scenario.users;
  const total = meter.units.table + meter.units.due + meter.units.age;
  const wcu = per(total);
  return [
    scenario.name,
    scenario.users,
    `${scenario.resolutionSeconds} s`,
    scenario.stepMs === 0 ? 'every write' : `${scenario.stepMs / 1000} s`,
    fixed(per(meter.requests)),
    fixed(per(meter.conditionFailed)),
    fixed(per(meter.units.table)),
    fixed(per(meter.units.due)),
    fixed(per(meter.units.age)),
    `**${fixed(wcu)}**`,
    `${fixed(TODAY_WCU_PER_USER_HOUR / wcu)}x`,
    `$${(wcu * 1000 * DOLLARS_PER_WCU).toFixed(3)}`,
    scenario.path === 'handler' ? fixed(per(outcome.invocations), 2) : '-',
  ].join(' | ');
}

const dynamo = await startDynamoDbLocal();
const defaultStep = dueIndexStepFor(30_000);
const scenarios: Scenario[] = [
  {
    name: 'before: every heartbeat written, index moved',
    users: Math.min(USERS, 20),
    resolutionSeconds: 0,
    stepMs: 0,
    path: 'handler',
  },
  {
    name: 'heartbeat handler',
    users: USERS,
    resolutionSeconds: 30,
    stepMs: defaultStep,
    path: 'handler',
  },
  {
    name: 'library recorder',
    users: USERS,
    resolutionSeconds: 30,
    stepMs: defaultStep,
    path: 'library',
  },
  ...[0, 30_000, 60_000, 150_000, 270_000].map(
    (stepMs): Scenario => ({
      name: 'heartbeat handler, other index step',
      users: Math.min(USERS, 50),
      resolutionSeconds: 30,
      stepMs,
      path: 'handler',
    }),
  ),
];

console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model}, node ${process.version}, ` +
    `load ${loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')}, ${new Date().toISOString().slice(0, 10)}`,
);
console.log(
  `\n${BEATS} heartbeats per user and simulated hour (every ${HEARTBEAT_MS / 1000} s); ` +
    `figures per connected user-hour; $ at $0.625 per million write units; ` +
    `before coalescing: ${TODAY_WCU_PER_USER_HOUR} WCU.\n`,
);
console.log(
  '| path | users | resolution | index step | write requests | of which condition failed | WCU table | WCU due index | WCU age index | WCU total | vs 2,160 | $ per 1,000 user-hours | heartbeat invocations |',
);
console.log('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
try {
  let index = 0;
  for (const scenario of scenarios) {
    const outcome = await run(dynamo.endpoint, scenario, `activity-bench-${index++}`);
    console.log(`| ${row(outcome)} |`);
  }
} finally {
  await dynamo.stop();
}
console.log(
  `\nheartbeat invocations: Lambda invocations of the heartbeat function per user-hour ` +
    `(${BEATS} a hour per request of up to 1,000 ids: ${BEATS} / users for ${USERS} users).`,
);
