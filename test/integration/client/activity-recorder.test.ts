import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivityRecorder } from '../../../src/client/activity-recorder.js';
import { createDynamoDbClient } from '../../../src/dynamodb/client.js';
import { DynamoDbSessionStore } from '../../../src/dynamodb/dynamodb-session-store.js';
import { ensureTable } from '../../../src/dynamodb/table-definition.js';
import { ValidationError } from '../../../src/errors.js';

const config = {
  tableName: `recorder-${randomUUID().slice(0, 8)}`,
  awsRegion: 'us-east-1',
  dynamodbEndpoint: inject('dynamodbEndpoint'),
};
const client = createDynamoDbClient(config);
const store = new DynamoDbSessionStore({ client, tableName: config.tableName });
const recorder = createActivityRecorder({ config, client });

beforeAll(() => ensureTable(client, config.tableName));
afterAll(() => client.destroy());

describe('Function: createActivityRecorder', () => {
  it('records activity and disconnects at the times given', async () => {
    const at = Date.now() - 10_000;
    await recorder.recordActivity('rec-1', at);
    await recorder.recordDisconnect('rec-1', at + 1000);
    expect(await store.get('rec-1')).toMatchObject({
      state: 'disconnected',
      lastActiveAt: at,
    });
  });

  it('refuses a time more than 5 minutes ahead, writing nothing', async () => {
    const micros = Date.now() * 1000;
    await expect(recorder.recordActivity(['rec-2'], micros)).rejects.toThrow(ValidationError);
    await expect(recorder.recordDisconnect('rec-2', Date.now() + 301_000)).rejects.toThrow(
      'at: must not be more than 5 minutes in the future',
    );
    expect(await store.get('rec-2')).toBeUndefined();
  });
});
