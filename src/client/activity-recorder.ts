import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Config, loadConfig } from '../config.js';
import { createDynamoDbClient, endpointOf } from '../sessions/dynamodb-client.js';
import { DynamoDbSessionStore } from '../sessions/dynamodb-session-store.js';

/** Options of {@link createActivityRecorder}. */
export interface ActivityRecorderOptions {
  /** Settings (table, region, endpoint). @default loadConfig(process.env) */
  config?: Pick<Config, 'tableName' | 'awsRegion' | 'dynamodbEndpoint'>;
  /** A DynamoDB client of your own (its credentials, agent, retries); closing it stays yours. */
  client?: DynamoDBClient;
}

/** Records what the customer's backend knows about its users, in the table car-reaper reaps. */
export interface ActivityRecorder {
  /**
   * Records that users are active at `at` (epoch ms; @default now). Call it on
   * every heartbeat or user action; a destroyed session comes back as a new one.
   */
  recordActivity(userIds: string | readonly string[], at?: number): Promise<void>;
  /** Records that a user disconnected at `at` (epoch ms; @default now); the grace period starts. */
  recordDisconnect(userId: string, at?: number): Promise<void>;
  /** Closes the DynamoDB client if the recorder created it. */
  close(): void;
}

/**
 * The session store's activity API for a Node backend, so nobody writes
 * table items by hand. Invalid ids throw a ValidationError naming the field;
 * DynamoDB failures a StoreError naming the endpoint.
 *
 * @example
 * const activity = createActivityRecorder(); // SESSIONS_TABLE, AWS_REGION from the environment
 * await activity.recordActivity(['user-1', 'user-2']);
 * await activity.recordDisconnect('user-1');
 */
export function createActivityRecorder(options: ActivityRecorderOptions = {}): ActivityRecorder {
  const config = options.config ?? loadConfig();
  const client = options.client ?? createDynamoDbClient(config);
  const store = new DynamoDbSessionStore({
    client,
    tableName: config.tableName,
    endpoint: endpointOf(config),
  });
  return {
    recordActivity: (userIds, at = Date.now()) =>
      store.recordActivity(typeof userIds === 'string' ? [userIds] : userIds, at),
    recordDisconnect: (userId, at = Date.now()) => store.recordDisconnect(userId, at),
    close: () => {
      if (!options.client) client.destroy();
    },
  };
}
