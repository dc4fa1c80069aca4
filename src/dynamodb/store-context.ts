import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ReaperError } from '../errors.js';
import { resolveEndpoint } from './client.js';
import { toStoreError } from './store-errors.js';

/**
 * Counters of what the store's candidate search read, so callers (and the
 * read-cost test) can see that a reap cycle reads the due sessions, not the table.
 */
export interface ReadStats {
  /** Query calls made. */
  queries: number;
  /** Index entries DynamoDB examined (before filters): what a Query is billed on. */
  scannedCount: number;
  /** Index entries returned (disconnected ones within their grace are then dropped). */
  returnedCount: number;
  /** Items fetched by key (max-age hits, BatchGetItem). */
  itemsFetched: number;
  /** Read capacity units consumed, as DynamoDB reports them. */
  consumedCapacity: number;
}

export const emptyReadStats = (): ReadStats => ({
  queries: 0,
  scannedCount: 0,
  returnedCount: 0,
  itemsFetched: 0,
  consumedCapacity: 0,
});

/** What the store's parts share: the client, the table, and error translation. */
export class StoreContext {
  private endpoint: Promise<string> | undefined;

  constructor(
    readonly client: DynamoDBClient,
    readonly tableName: string,
    endpoint: string | undefined,
    readonly readStats: ReadStats,
  ) {
    if (endpoint !== undefined) this.endpoint = Promise.resolve(endpoint);
  }

  /** Translates a failure of `operation` into the project's errors (no raw SDK error escapes). */
  async translate(error: unknown, operation: string): Promise<ReaperError> {
    this.endpoint ??= resolveEndpoint(this.client);
    const endpoint = await this.endpoint;
    return toStoreError(error, { operation, endpoint, tableName: this.tableName });
  }
}
