import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { LiveSessionCounts } from '../drift/drift.js';
import { resolveEndpoint } from './client.js';
import { DUE_INDEX } from './schema.js';
import { toStoreError } from './store-errors.js';

/** What counting read. */
export interface LiveCountReadStats {
  requests: number;
  /** Index entries read (each live session once). */
  scanned: number;
}

/**
 * Counts the live sessions by scanning the sparse `due` index, which holds
 * exactly the live ones (active, disconnected, reaping; retry pending under
 * the `R` family): the read follows the live sessions, never the destroyed
 * and failed items that make up most of the table. Only `state` and
 * `dueShard` come back.
 */
export async function countLiveSessions(
  client: DynamoDBClient,
  tableName: string,
  options: { segments?: number } = {},
): Promise<{ counts: LiveSessionCounts; read: LiveCountReadStats }> {
  const segments = options.segments ?? 4;
  const counts: LiveSessionCounts = {
    active: 0,
    disconnected: 0,
    reaping: 0,
    retryPending: 0,
    tracked: 0,
  };
  const read: LiveCountReadStats = { requests: 0, scanned: 0 };
  const scanSegment = async (segment: number) => {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const output = await client
        .send(
          new ScanCommand({
            TableName: tableName,
            IndexName: DUE_INDEX,
            Segment: segment,
            TotalSegments: segments,
            ProjectionExpression: '#state, dueShard',
            ExpressionAttributeNames: { '#state': 'state' },
            ExclusiveStartKey: startKey,
          }),
        )
        .catch(async (error: unknown) => {
          throw toStoreError(error, {
            operation: 'Scan (live sessions)',
            endpoint: await resolveEndpoint(client),
            tableName,
          });
        });
      read.requests += 1;
      read.scanned += output.ScannedCount ?? 0;
      for (const item of output.Items ?? []) {
        const state = item.state?.S;
        if (state === 'active' || state === 'disconnected' || state === 'reaping') {
          counts[state] += 1;
          counts.tracked += 1;
        }
        if (item.dueShard?.S?.startsWith('R#')) counts.retryPending += 1;
      }
      startKey = output.LastEvaluatedKey;
    } while (startKey !== undefined);
  };
  await Promise.all(Array.from({ length: segments }, (_, segment) => scanSegment(segment)));
  return { counts, read };
}
