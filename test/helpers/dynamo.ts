import { randomBytes } from 'node:crypto';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DeleteTableCommand,
  type DynamoDBClient,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import pLimit from 'p-limit';
import { inject } from 'vitest';
import { createDynamoDbClient } from '../../src/dynamodb/client.js';
import { DynamoDbSessionStore } from '../../src/dynamodb/dynamodb-session-store.js';
import { type ItemExtras, sessionToItem } from '../../src/dynamodb/item-mapping.js';
import { ensureTable } from '../../src/dynamodb/table-definition.js';
import type {
  Candidate,
  Claim,
  ClaimOptions,
  DueReason,
  FindCandidatesOptions,
  Session,
} from '../../src/sessions/session-store.js';

/** A table of its own in the run's shared DynamoDB Local, with a store on it. */
export interface TestTable {
  client: DynamoDBClient;
  tableName: string;
  endpoint: string;
  store: DynamoDbSessionStore;
  /** Deletes the table and closes the client's sockets. */
  drop(): Promise<void>;
}

let tables = 0;

/** Creates a uniquely named sessions table (from infra/, via ensureTable) in DynamoDB Local. */
export async function createTestTable(): Promise<TestTable> {
  const endpoint = inject('dynamodbEndpoint');
  const client = createDynamoDbClient({ awsRegion: 'us-east-1', dynamodbEndpoint: endpoint });
  tables += 1;
  const tableName = `sessions-${process.pid}-${tables}-${randomBytes(3).toString('hex')}`;
  await ensureTable(client, tableName);
  const store = new DynamoDbSessionStore({ client, tableName, endpoint });
  return {
    client,
    tableName,
    endpoint,
    store,
    async drop() {
      await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
      client.destroy();
    },
  };
}

/** A session with sensible defaults: active, started and last active at `at`. */
export function aSession(overrides: Partial<Session> & { userId: string }, at = 0): Session {
  return {
    state: 'active',
    lastActiveAt: at,
    startedAt: at,
    attempts: 0,
    version: 1,
    ...overrides,
  };
}

/** Options of {@link seedSessions}. */
export interface SeedOptions {
  /** BatchWriteItem calls in flight. @default 8 */
  concurrency?: number;
  extras?: ItemExtras;
}

/**
 * Writes sessions straight into the table, in the exact shape the store
 * writes them (the store's own sessionToItem; a `reaping` session carries the
 * `claimVersion` its claim wrote), 25 to a BatchWriteItem, several in
 * parallel, unprocessed items retried. Fast bulk setup for big tables.
 */
export async function seedSessions(
  table: Pick<TestTable, 'client' | 'tableName'>,
  sessions: readonly Session[],
  options: SeedOptions = {},
): Promise<void> {
  await seedItems(
    table,
    sessions.map((s) =>
      sessionToItem(s, {
        ...(s.state === 'reaping' ? { claimVersion: s.version } : {}),
        ...options.extras,
      }),
    ),
    options,
  );
}

/** Writes items as they are (for index attributes the store leaves behind over time), like seedSessions. */
export async function seedItems(
  table: Pick<TestTable, 'client' | 'tableName'>,
  items: readonly Record<string, AttributeValue>[],
  options: Pick<SeedOptions, 'concurrency'> = {},
): Promise<void> {
  const limit = pLimit(options.concurrency ?? 8);
  const batches: Record<string, AttributeValue>[][] = [];
  for (let start = 0; start < items.length; start += 25) {
    batches.push(items.slice(start, start + 25));
  }
  await Promise.all(batches.map((batch) => limit(() => writeBatch(table, batch))));
}

async function writeBatch(
  table: Pick<TestTable, 'client' | 'tableName'>,
  items: Record<string, AttributeValue>[],
): Promise<void> {
  let requests = items.map((Item) => ({ PutRequest: { Item } }));
  for (let round = 0; requests.length > 0; round++) {
    if (round >= 10) throw new Error(`seeding left ${requests.length} items unprocessed`);
    const output = await table.client.send(
      new BatchWriteItemCommand({ RequestItems: { [table.tableName]: requests } }),
    );
    requests = (output.UnprocessedItems?.[table.tableName] ?? []).flatMap((request) =>
      request.PutRequest?.Item ? [{ PutRequest: { Item: request.PutRequest.Item } }] : [],
    );
  }
}

/** The policies the store tests search with: idle after 5 minutes, a 90 s grace, no max age. */
export const searchAt = (now: number): FindCandidatesOptions => ({
  now,
  idleTimeoutMs: 5 * 60_000,
  disconnectGraceMs: 90_000,
  maxAgeMs: 0,
});

/** Every candidate a search finds, by user id. */
export async function dueCandidates(
  table: TestTable,
  options: FindCandidatesOptions,
): Promise<Map<string, Candidate>> {
  const found = new Map<string, Candidate>();
  for await (const page of table.store.findCandidates(options)) {
    for (const candidate of page) found.set(candidate.session.userId, candidate);
  }
  return found;
}

/** Every due session a search finds, by user id, with the reason it is due. */
export async function dueReasons(
  table: TestTable,
  options: FindCandidatesOptions,
): Promise<Map<string, DueReason>> {
  const found = await dueCandidates(table, options);
  return new Map([...found].map(([userId, candidate]) => [userId, candidate.reason]));
}

/** The item exactly as DynamoDB holds it (strongly consistent), index attributes included. */
export async function rawItem(
  table: TestTable,
  userId: string,
): Promise<Record<string, AttributeValue>> {
  const output = await table.client.send(
    new GetItemCommand({
      TableName: table.tableName,
      Key: { userId: { S: userId } },
      ConsistentRead: true,
    }),
  );
  return output.Item ?? {};
}

/** Seeds a session idle since `idleSince` and claims it as a reap run would. */
export async function seedAndClaim(
  table: TestTable,
  session: Partial<Session> & { userId: string },
  idleSince: number,
  options: ClaimOptions,
): Promise<Claim> {
  await seedSessions(table, [aSession(session, idleSince)]);
  const seeded = await table.store.get(session.userId);
  if (!seeded) throw new Error(`seeded session ${session.userId} not found`);
  const result = await table.store.claim(seeded, options);
  if (result.status !== 'claimed') throw new Error(`claim ${result.status}: ${session.userId}`);
  return result.claim;
}
