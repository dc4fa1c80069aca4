import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Config } from '../config.js';
import { endpointOf } from './client.js';
import { DynamoDbSessionStore, dueIndexStepFor } from './dynamodb-session-store.js';

/** The session store on the sessions table that `config` names, its due index stepped for the activity resolution. */
export function sessionStoreFor(config: Config, client: DynamoDBClient): DynamoDbSessionStore {
  return new DynamoDbSessionStore({
    client,
    tableName: config.tableName,
    endpoint: endpointOf(config),
    dueIndexStepMs: dueIndexStepFor(config.activityResolutionSeconds * 1000),
  });
}
