// DynamoDB Local's JVM options: the JVM's own defaults (tiered JIT up to C2,
// the collector the JVM picks) against DYNAMODB_LOCAL_JVM_OPTIONS (client
// compiler, serial collector). For each: time until it accepts connections
// and the table exists, then 4 rounds of 1,500 conditional UpdateItems at
// 32 in flight, each with its rate and the JVM's CPU time (from /proc).
// Run: `npm run bench -- dynamodb-local`   BENCH_REPEAT=<runs per setting, default 2>
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import pLimit from 'p-limit';
import { createDynamoDbClient } from '../src/dynamodb/client.js';
import { ensureTable } from '../src/dynamodb/table-definition.js';
import { DYNAMODB_LOCAL_JVM_OPTIONS, startDynamoDbLocal } from '../src/local/dynamodb-local.js';

const ROUNDS = 4;
const WRITES = 1500;
const settings: [string, readonly string[]][] = [
  ['JVM defaults', []],
  [DYNAMODB_LOCAL_JVM_OPTIONS.join(' '), DYNAMODB_LOCAL_JVM_OPTIONS],
];

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model}, node ${process.version}\n`);
console.log(
  `| JVM options | ready | ${Array.from({ length: ROUNDS }, (_, i) => `round ${i + 1}: writes/s, JVM CPU`).join(' | ')} |`,
);
console.log(`|---|---|${'---|'.repeat(ROUNDS)}`);
for (let run = 0; run < Number(process.env.BENCH_REPEAT ?? 2); run++) {
  for (const [name, jvmOptions] of settings) console.log(await measure(name, jvmOptions));
}

async function measure(name: string, jvmOptions: readonly string[]): Promise<string> {
  const started = Date.now();
  const dynamo = await startDynamoDbLocal({ jvmOptions });
  const client = createDynamoDbClient(
    { awsRegion: 'us-east-1', dynamodbEndpoint: dynamo.endpoint },
    { maxSockets: 64 },
  );
  try {
    await ensureTable(client, 'jvm-bench');
    const ready = Date.now() - started;
    const cpuMs = () => {
      const fields = (readFileSync(`/proc/${dynamo.pid}/stat`, 'utf8').split(') ')[1] ?? '').split(
        ' ',
      );
      return (Number(fields[11]) + Number(fields[12])) * 10;
    };
    const limit = pLimit(32);
    const rounds: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const cpuBefore = cpuMs();
      const from = Date.now();
      await Promise.all(
        Array.from({ length: WRITES }, (_, i) =>
          limit(() =>
            client.send(
              new UpdateItemCommand({
                TableName: 'jvm-bench',
                Key: { userId: { S: `user-${round}-${i}` } },
                UpdateExpression: 'SET #state = :state, version = :version',
                ConditionExpression: 'attribute_not_exists(version) OR version < :version',
                ExpressionAttributeNames: { '#state': 'state' },
                ExpressionAttributeValues: { ':state': { S: 'active' }, ':version': { N: '1' } },
              }),
            ),
          ),
        ),
      );
      const rate = Math.round((WRITES * 1000) / (Date.now() - from));
      rounds.push(`${rate}/s, ${((cpuMs() - cpuBefore) / 1000).toFixed(1)} s`);
    }
    return `| ${name} | ${(ready / 1000).toFixed(1)} s | ${rounds.join(' | ')} |`;
  } finally {
    client.destroy();
    await dynamo.stop();
  }
}
