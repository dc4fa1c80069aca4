// What `car-reaper report` reads over 100,000 outcomes spread over 7 days (a mix
// of reasons and idle times), counted into DynamoDB Local; then reports over
// 24 h, 7 d and 30 d are built and their reads counted (requests, items, bytes,
// and the read units AWS would bill for them: 0.5 per started 4 KB, eventually
// consistent). Run: `npm run bench -- report`   BENCH_OUTCOMES=<default 100000>
import { cpus } from 'node:os';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient } from '../src/dynamodb/client.js';
import { DynamoDbOutcomeCounts, hourKey } from '../src/dynamodb/outcome-counts.js';
import { ensureTable } from '../src/dynamodb/table-definition.js';
import { startDynamoDbLocal } from '../src/local/dynamodb-local.js';
import type { RecordedOutcome } from '../src/reaper/outcome-tally.js';
import { generateReport } from '../src/report/generate-report.js';
import { HOUR_MS, hourOf } from '../src/report/hourly-counts.js';
import type { ReapReason } from '../src/report/reap-reason.js';
import type { Claim, DueReason } from '../src/sessions/session-store.js';

const OUTCOMES = Number(process.env.BENCH_OUTCOMES ?? 100_000);
const DAYS = 7;
const candidate: Record<ReapReason, DueReason | undefined> = {
  idle: 'idle',
  disconnected: 'disconnected',
  maxAge: 'max-age',
  manual: undefined,
};
const mix: ReapReason[] = [
  'idle',
  'idle',
  'idle',
  'idle',
  'idle',
  'idle',
  'disconnected',
  'disconnected',
  'maxAge',
  'manual',
];
const policy = { idleTimeoutMs: 300_000, disconnectGraceMs: 90_000, maxAgeMs: 8 * HOUR_MS };

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model}, node ${process.version}\n`);
const dynamo = await startDynamoDbLocal();
const client = createDynamoDbClient(
  { awsRegion: 'us-east-1', dynamodbEndpoint: dynamo.endpoint },
  { maxSockets: 64 },
);
try {
  const tableName = 'report-bench';
  await ensureTable(client, tableName);
  const now = Date.now();
  const recorded = (i: number): RecordedOutcome => {
    const reason = mix[i % mix.length] as ReapReason;
    const at = now - Math.floor(((i * 7919) % OUTCOMES) * ((DAYS * 24 * HOUR_MS) / OUTCOMES));
    const idle = 300_000 + ((i * 104_729) % 600_000);
    const previous = {
      userId: `u-${i}`,
      state: reason === 'disconnected' ? 'disconnected' : 'active',
      lastActiveAt: at - idle,
      startedAt: at - idle - (reason === 'maxAge' ? 8 * HOUR_MS : 60_000),
      disconnectedAt: reason === 'disconnected' ? at - idle : undefined,
      attempts: 0,
      version: 1,
    } as const;
    const claim = {
      userId: previous.userId,
      claimant: 'bench',
      version: 2,
      leaseExpiresAt: at,
      attempts: 0,
      previous,
    } as Claim;
    return {
      claim,
      outcome: i % 500 === 0 ? { kind: 'failed', at, error: 'x' } : { kind: 'destroyed', at },
      candidateReason: candidate[reason],
      trigger: reason === 'manual' ? 'manual' : 'schedule',
      policy,
    };
  };

  // Through the write path the reaper uses: count() per outcome (summed in memory,
  // flushed once a second and at the end), so the items hold what the runs would add.
  let writes = 0;
  const counting = {
    send: (command: Parameters<typeof client.send>[0]) => {
      writes++;
      return client.send(command);
    },
  } as typeof client;
  const counts = new DynamoDbOutcomeCounts({ client: counting, tableName });
  const started = Date.now();
  for (let i = 0; i < OUTCOMES; i++) await counts.count(recorded(i));
  await counts.flush();
  console.log(
    `counted ${OUTCOMES.toLocaleString('en-US')} outcomes over ${DAYS} days in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
      `with ${writes.toLocaleString('en-US')} UpdateItems (one per hour item touched per flush)\n`,
  );

  // Item sizes, from a Scan of the hour items only (the bench table holds nothing else).
  const sizes = new Map<string, number>();
  let startKey: Record<string, never> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }),
    );
    for (const item of page.Items ?? []) {
      sizes.set(item.userId?.S ?? '', Buffer.byteLength(JSON.stringify(item)));
    }
    startKey = page.LastEvaluatedKey as typeof startKey;
  } while (startKey);
  const largest = Math.max(...sizes.values());

  console.log(
    '| window | outcomes in it | BatchGetItem calls | items read | bytes (JSON, approx.) | read units on AWS | time |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const [label, sinceMs] of [
    ['24 h', 24 * HOUR_MS],
    ['7 d', 7 * 24 * HOUR_MS],
    ['30 d', 30 * 24 * HOUR_MS],
  ] as const) {
    const from = Date.now();
    const { report } = await generateReport({
      source: {
        readHours: (a, b) => counts.readHours(a, b),
        countLive: async () => ({
          active: 0,
          disconnected: 0,
          reaping: 0,
          retryPending: 0,
          tracked: 0,
        }),
      },
      sinceMs,
      now,
      carUnavailable: 'not asked in the bench',
    });
    const ms = Date.now() - from;
    let bytes = 0;
    let units = 0;
    for (let hour = hourOf(now - sinceMs); hour <= hourOf(now); hour += HOUR_MS) {
      const size = sizes.get(hourKey(hour));
      if (size === undefined) continue;
      bytes += size;
      units += 0.5 * Math.ceil(size / 4096);
    }
    const outcomes = report.destroyed.total + report.failed;
    console.log(
      `| ${label} | ${outcomes.toLocaleString('en-US')} | ${report.read.requests} | ${report.read.items} | ${bytes.toLocaleString('en-US')} | ${units} | ${ms} ms |`,
    );
  }
  console.log(
    `\nlargest hour item: ${largest.toLocaleString('en-US')} bytes (JSON); ${sizes.size} hour items`,
  );
} finally {
  client.destroy();
  await dynamo.stop();
}
