import { createDynamoDbClient } from '../../src/dynamodb/client.js';
import { DynamoDbSessionStore } from '../../src/dynamodb/dynamodb-session-store.js';
import { ensureTable } from '../../src/dynamodb/table-definition.js';
import { startDynamoDbLocal } from '../../src/local/dynamodb-local.js';
import type { SessionStore } from '../../src/sessions/session-store.js';
import { FakeSessionStore } from '../../test/helpers/fake-store.js';

/** The session store a benchmark runs on, with a way to seed stale sessions. */
export interface BenchStore {
  kind: string;
  store: SessionStore;
  seedStale(userIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

const tenMinutesAgo = () => Date.now() - 10 * 60_000;

/**
 * `BENCH_STORE=dynamodb`: the real store on a DynamoDB Local of its own (the
 * figures then include DynamoDB Local's speed on this machine). Otherwise an
 * in-memory store, so the figures are the engine's and the limiter's alone.
 */
export async function openBenchStore(
  kind = process.env.BENCH_STORE ?? 'memory',
): Promise<BenchStore> {
  if (kind === 'dynamodb') return openDynamoDbStore();
  const store = new FakeSessionStore(Date.now);
  return {
    kind: 'in-memory',
    store,
    async seedStale(userIds) {
      const at = tenMinutesAgo();
      store.seed(...userIds.map((userId) => ({ userId, lastActiveAt: at })));
    },
    async close() {},
  };
}

async function openDynamoDbStore(): Promise<BenchStore> {
  const dynamo = await startDynamoDbLocal();
  const client = createDynamoDbClient({
    awsRegion: 'us-east-1',
    dynamodbEndpoint: dynamo.endpoint,
  });
  const tableName = 'bench-sessions';
  await ensureTable(client, tableName);
  const store = new DynamoDbSessionStore({ client, tableName });
  return {
    kind: 'DynamoDB Local',
    store,
    // Through the store's own (batched) activity path: sessions last active ten minutes ago.
    seedStale: (userIds) => store.recordActivity(userIds, tenMinutesAgo()),
    async close() {
      client.destroy();
      await dynamo.stop();
    },
  };
}
