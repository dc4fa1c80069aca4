import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { ReaperError, StoreError } from '../errors.js';
import { resolveEndpoint } from './client.js';
import {
  TABLE_DEFINITION_FILE,
  type TableDefinition,
  tableDefinitionFromYaml,
} from './cloudformation-yaml.js';
import { toStoreError } from './store-errors.js';

export { TABLE_DEFINITION_FILE, type TableDefinition, tableDefinitionFromYaml };

/** Walks up from this module (src/sessions in tests, dist/cli when bundled) to the package root. */
export function findTableDefinitionFile(start = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, TABLE_DEFINITION_FILE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) {
      throw new ReaperError(`cannot find ${TABLE_DEFINITION_FILE} above ${start}`);
    }
  }
}

/** Reads the table definition from infra/ for `tableName`. */
export function loadTableDefinition(
  tableName: string,
  file = findTableDefinitionFile(),
): TableDefinition {
  return tableDefinitionFromYaml(readFileSync(file, 'utf8'), tableName);
}

/** What {@link ensureTable} did. */
export interface EnsureTableResult {
  tableName: string;
  /** False when the table already existed. */
  created: boolean;
  /** Whether this call switched TTL on. */
  ttlEnabled: boolean;
}

/** Options of {@link ensureTable}. */
export interface EnsureTableOptions {
  /** The definition to create; by default infra/sessions-table.yml. */
  definition?: TableDefinition;
  /** How long to wait for the table to become ACTIVE. @default 300 */
  maxWaitSeconds?: number;
}

/**
 * Creates the sessions table from infra/ if absent, waits until it is ACTIVE
 * and enables TTL. Idempotent: safe to run again, and by several processes at
 * once (a concurrent create shows up as ResourceInUseException and is waited out).
 * An existing table that lacks an index the definition has is an error: the
 * store would silently miss sessions.
 */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  options: EnsureTableOptions = {},
): Promise<EnsureTableResult> {
  const definition = options.definition ?? loadTableDefinition(tableName);
  const endpoint = await resolveEndpoint(client);
  const fail = (operation: string) => (error: unknown) => {
    throw toStoreError(error, { operation, endpoint, tableName });
  };
  let created = false;
  const existing = await client
    .send(new DescribeTableCommand({ TableName: tableName }))
    .catch((error: unknown) => {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
      return fail('DescribeTable')(error);
    });
  if (existing === undefined) {
    await client.send(new CreateTableCommand(definition.createTable)).then(
      () => {
        created = true;
      },
      (error: unknown) => {
        if ((error as { name?: string }).name !== 'ResourceInUseException') {
          fail('CreateTable')(error);
        }
      },
    );
  } else {
    const have = new Set(existing.Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName));
    const missing = (definition.createTable.GlobalSecondaryIndexes ?? [])
      .map((index) => index.IndexName)
      .filter((name) => !have.has(name));
    if (missing.length > 0) {
      throw new StoreError(
        `table ${JSON.stringify(tableName)} at ${endpoint} lacks index(es) ${missing.join(', ')}; deploy infra/sessions-table.yml or recreate the table`,
        { endpoint },
      );
    }
  }
  await waitUntilTableExists(
    { client, maxWaitTime: options.maxWaitSeconds ?? 300, minDelay: 1, maxDelay: 5 },
    { TableName: tableName },
  ).catch(fail('DescribeTable (wait for ACTIVE)'));
  let ttlEnabled = false;
  if (definition.timeToLive) {
    const ttl = await client
      .send(new DescribeTimeToLiveCommand({ TableName: tableName }))
      .catch(fail('DescribeTimeToLive'));
    const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
    if (status !== 'ENABLED' && status !== 'ENABLING') {
      await client
        .send(new UpdateTimeToLiveCommand(definition.timeToLive))
        .catch(fail('UpdateTimeToLive'));
      ttlEnabled = true;
    }
  }
  return { tableName, created, ttlEnabled };
}
