import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Config } from '../config.js';
import { createDynamoDbClient, endpointOf } from '../dynamodb/client.js';
import { DynamoDbSessionStore, dueIndexStepFor } from '../dynamodb/dynamodb-session-store.js';
import { loadConfig } from '../load-config.js';
import { coalesceActivity } from '../sessions/activity-coalescer.js';
import { assertNotFarFuture } from '../sessions/validation.js';

/** Options of {@link createActivityRecorder}. */
export interface ActivityRecorderOptions {
  /**
   * Settings (table, region, endpoint; `classes`, the session classes a
   * `class` may name; the activity resolution and disconnect grace, which
   * should match the reaper's). @default loadConfig(process.env); without
   * `classes`, those of the environment's POLICIES_FILE; without the
   * resolution and grace, 30 and 90 s
   */
  config?: Pick<Config, 'tableName' | 'awsRegion' | 'dynamodbEndpoint'> &
    Partial<Pick<Config, 'classes' | 'activityResolutionSeconds' | 'disconnectGraceSeconds'>>;
  /** A DynamoDB client of your own (its credentials, agent, retries); closing it stays yours. */
  client?: DynamoDBClient;
}

/** Options of {@link ActivityRecorder.recordActivity}. */
export interface RecordActivityOptions {
  /** When the users were active, epoch ms. @default now */
  at?: number;
  /** A class of the policies file. @default each session's own */
  class?: string;
}

/** Records what the customer's backend knows about its users, in the table car-reaper reaps. */
export interface ActivityRecorder {
  /**
   * Records that users are active at `at` (epoch ms; @default now). Call it on
   * every heartbeat or user action; a destroyed session comes back as a new one.
   * `class` puts the sessions in a class of the policies file (`default`
   * takes them out of any); an unknown class throws a ValidationError.
   * Without it each session keeps the class it has. An `at` more than
   * 5 minutes ahead of now throws a ValidationError.
   * Activity less than `ACTIVITY_RESOLUTION_SECONDS` newer than what this
   * recorder last wrote for a user is not written (the reaper allows for it).
   */
  recordActivity(
    userIds: string | readonly string[],
    atOrOptions?: number | RecordActivityOptions,
  ): Promise<void>;
  /**
   * Records that a user disconnected at `at` (epoch ms; @default now); the grace
   * period starts. An `at` more than 5 minutes ahead of now throws a ValidationError.
   */
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
 * await activity.recordActivity('booth-1', { class: 'kiosk' });
 * await activity.recordDisconnect('user-1');
 */
export function createActivityRecorder(options: ActivityRecorderOptions = {}): ActivityRecorder {
  const config = options.config ?? loadConfig();
  const client = options.client ?? createDynamoDbClient(config);
  const resolution = {
    activityResolutionSeconds: config.activityResolutionSeconds ?? 30,
    disconnectGraceSeconds: config.disconnectGraceSeconds ?? 90,
  };
  const store = new DynamoDbSessionStore({
    client,
    tableName: config.tableName,
    endpoint: endpointOf(config),
    dueIndexStepMs: dueIndexStepFor(resolution.activityResolutionSeconds * 1000),
  });
  const activity = coalesceActivity(store, resolution);
  let classes = options.config?.classes;
  return {
    recordActivity: async (userIds, atOrOptions = {}) => {
      const { at = Date.now(), class: sessionClass } =
        typeof atOrOptions === 'number' ? { at: atOrOptions } : atOrOptions;
      assertNotFarFuture(at, 'at', Date.now());
      const ids = typeof userIds === 'string' ? [userIds] : userIds;
      if (sessionClass === undefined) return activity.recordActivity(ids, at);
      classes ??= loadConfig().classes;
      return activity.recordActivity(ids, at, {
        class: classes.assertKnown(sessionClass, 'class'),
      });
    },
    recordDisconnect: async (userId, at = Date.now()) => {
      assertNotFarFuture(at, 'at', Date.now());
      await activity.recordDisconnect(userId, at);
    },
    close: () => {
      if (!options.client) client.destroy();
    },
  };
}
