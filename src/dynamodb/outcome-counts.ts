import {
  type AttributeValue,
  BatchGetItemCommand,
  type DynamoDBClient,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type Clock, systemClock } from '../clock.js';
import { StoreError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import type { OutcomeTally, RecordedOutcome } from '../reaper/outcome-tally.js';
import { bucketOf, type Histogram } from '../report/histogram.js';
import {
  type CountsReadStats,
  countsOf,
  emptyHour,
  HOUR_MS,
  type HourCounts,
  hourOf,
  OUTCOME_COUNTS_RETENTION_MS,
} from '../report/hourly-counts.js';
import { REAP_REASONS } from '../report/reap-reason.js';
import { type TalliedOutcome, talliedOutcomeOf } from '../report/tallied-outcome.js';
import { RESERVED_USER_ID_PREFIX } from '../sessions/validation.js';
import { resolveEndpoint } from './client.js';
import { toStoreError } from './store-errors.js';

/** Partition key of the item holding the counts of the hour starting at `hour`. */
export const hourKey = (hour: number): string =>
  `${RESERVED_USER_ID_PREFIX}outcomes#${new Date(hour).toISOString().slice(0, 13)}`;

/** Figures added since the last {@link DynamoDbOutcomeCounts.takeTotals} (this process only). */
export interface TallyTotals {
  destroyed: number;
  failed: number;
  idleSeatMs: number;
}

const N = (value: number): AttributeValue => ({ N: String(value) });

/** What one outcome adds to its hour's item: attribute name to amount. */
export function outcomeAdds(outcome: TalliedOutcome): { hour: number; adds: Map<string, number> } {
  const counts = countsOf(outcome, bucketOf);
  const adds: [string, number][] = [];
  for (const reason of REAP_REASONS) {
    adds.push([`destroyed_${reason}`, counts.destroyed[reason]]);
    adds.push([`gone_${reason}`, counts.alreadyGone[reason]]);
    adds.push([`failed_${reason}`, counts.failed[reason]]);
    adds.push([`seatMs_${reason}`, counts.idleSeatMs[reason]]);
    for (const [bucket, count] of Object.entries(counts.timeToReap[reason])) {
      adds.push([`ttr_${reason}_${bucket}`, count]);
    }
  }
  for (const [bucket, count] of Object.entries(counts.idleSeatPerSession)) {
    adds.push([`seat_${bucket}`, count]);
  }
  return { hour: counts.hour, adds: new Map(adds.filter(([, value]) => value !== 0)) };
}

/**
 * The UpdateItem that adds to an hour's item: a single atomic ADD of a few
 * counters, so concurrent writers never lose each other's counts.
 */
export function hourUpdate(hour: number, adds: ReadonlyMap<string, number>) {
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {
    ':hour': N(hour),
    ':ttl': N(Math.ceil((hour + HOUR_MS + OUTCOME_COUNTS_RETENTION_MS) / 1000)),
  };
  const terms = [...adds].map(([name, value], index) => {
    names[`#a${index}`] = name;
    values[`:v${index}`] = N(value);
    return `#a${index} :v${index}`;
  });
  return {
    key: hourKey(hour),
    update: `ADD ${terms.join(', ')} SET hourStart = :hour, expiresAt = :ttl`,
    names,
    values,
  };
}

/** The UpdateItem adding one outcome to its hour. */
export function tallyUpdate(outcome: TalliedOutcome) {
  const { hour, adds } = outcomeAdds(outcome);
  return hourUpdate(hour, adds);
}

const mergeAdds = (into: Map<string, number>, from: ReadonlyMap<string, number>) => {
  for (const [name, value] of from) into.set(name, (into.get(name) ?? 0) + value);
};

/** Reads an hour's item back into counts (unknown attributes are ignored). */
export function hourCountsOf(item: Record<string, AttributeValue>, hour: number): HourCounts {
  const counts = emptyHour(hour);
  const add = (histogram: Histogram, bucket: string, value: number) => {
    histogram[Number(bucket)] = (histogram[Number(bucket)] ?? 0) + value;
  };
  for (const [name, attribute] of Object.entries(item)) {
    if (attribute.N === undefined) continue;
    const value = Number(attribute.N);
    const [field, reasonOrBucket, bucket] = name.split('_');
    const reason = REAP_REASONS.find((each) => each === reasonOrBucket);
    if (field === 'seat' && reasonOrBucket !== undefined) {
      add(counts.idleSeatPerSession, reasonOrBucket, value);
    } else if (reason === undefined) {
    } else if (field === 'destroyed') counts.destroyed[reason] += value;
    else if (field === 'gone') counts.alreadyGone[reason] += value;
    else if (field === 'failed') counts.failed[reason] += value;
    else if (field === 'seatMs') counts.idleSeatMs[reason] += value;
    else if (field === 'ttr' && bucket !== undefined) add(counts.timeToReap[reason], bucket, value);
  }
  return counts;
}

/** BatchGetItem takes at most this many keys. */
const BATCH_KEYS = 100;

/**
 * Outcome counts in the sessions table, one item per hour under the reserved
 * user-id prefix (so the store and `status` leave them out). Counts are summed
 * in memory and added with one UpdateItem per hour and flush; a report over N
 * hours reads N items with ceil(N / 100) BatchGetItem calls, however many
 * outcomes they count.
 */
export class DynamoDbOutcomeCounts implements OutcomeTally {
  private totals: TallyTotals = { destroyed: 0, failed: 0, idleSeatMs: 0 };
  /** Counts not written yet, per hour start. */
  private pending = new Map<number, Map<string, number>>();
  private lastFlush: number;
  private readonly clock: Clock;

  constructor(
    private readonly options: {
      client: DynamoDBClient;
      tableName: string;
      logger?: Logger;
      /** Longest time counts wait in memory while outcomes keep coming. @default 1000 */
      flushEveryMs?: number;
      /** @default systemClock */
      clock?: Clock;
    },
  ) {
    this.clock = options.clock ?? systemClock;
    this.lastFlush = this.clock();
  }

  /**
   * Adds a final outcome to its hour. Counts are summed in memory and written
   * by {@link flush}: at the end of every run, and during a run once a second,
   * so a run at 100 destroys/s adds one small write a second, not 100.
   */
  async count(recorded: RecordedOutcome): Promise<void> {
    const outcome = talliedOutcomeOf(recorded);
    if (outcome === undefined) return;
    const { hour, adds } = outcomeAdds(outcome);
    const pending = this.pending.get(hour) ?? new Map<string, number>();
    mergeAdds(pending, adds);
    this.pending.set(hour, pending);
    if (outcome.kind === 'destroyed') this.totals.destroyed += 1;
    else this.totals.failed += 1;
    this.totals.idleSeatMs += outcome.idleSeatMs ?? 0;
    if (this.clock() - this.lastFlush >= (this.options.flushEveryMs ?? 1000)) await this.flush();
  }

  /**
   * Writes the counts summed so far, one UpdateItem per hour. Never throws: a
   * failed write is logged and its counts kept for the next flush (the
   * outcomes themselves are recorded on the sessions' items either way).
   */
  async flush(): Promise<void> {
    this.lastFlush = this.clock();
    const pending = this.pending;
    this.pending = new Map();
    await Promise.all(
      [...pending].map(async ([hour, adds]) => {
        const { key, update, names, values } = hourUpdate(hour, adds);
        try {
          await this.options.client.send(
            new UpdateItemCommand({
              TableName: this.options.tableName,
              Key: { userId: { S: key } },
              UpdateExpression: update,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            }),
          );
        } catch (error) {
          const kept = this.pending.get(hour) ?? new Map<string, number>();
          mergeAdds(kept, adds);
          this.pending.set(hour, kept);
          (this.options.logger ?? silentLogger).warn(
            'outcome counts not written; kept for the next flush',
            {
              hour: new Date(hour).toISOString(),
              error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
            },
          );
        }
      }),
    );
  }

  /** What this process counted since the last call (the reap function's metrics). */
  takeTotals(): TallyTotals {
    const totals = this.totals;
    this.totals = { destroyed: 0, failed: 0, idleSeatMs: 0 };
    return totals;
  }

  /** The counts of every hour from `fromHour` to `toHour` (both hour starts, inclusive). */
  async readHours(
    fromHour: number,
    toHour: number,
  ): Promise<{ hours: HourCounts[]; read: CountsReadStats }> {
    const hours: number[] = [];
    for (let hour = hourOf(fromHour); hour <= toHour; hour += HOUR_MS) hours.push(hour);
    const byKey = new Map(hours.map((hour) => [hourKey(hour), hour]));
    const found = new Map<number, HourCounts>();
    const read: CountsReadStats = { requests: 0, items: 0, consumedCapacity: 0 };
    for (let start = 0; start < hours.length; start += BATCH_KEYS) {
      let keys = hours
        .slice(start, start + BATCH_KEYS)
        .map((hour) => ({ userId: { S: hourKey(hour) } }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const output = await this.options.client
          .send(
            new BatchGetItemCommand({
              RequestItems: { [this.options.tableName]: { Keys: keys } },
              ReturnConsumedCapacity: 'TOTAL',
            }),
          )
          .catch(async (error: unknown) => {
            throw toStoreError(error, {
              operation: 'BatchGetItem (report)',
              endpoint: await resolveEndpoint(this.options.client),
              tableName: this.options.tableName,
            });
          });
        read.requests += 1;
        for (const consumed of output.ConsumedCapacity ?? []) {
          read.consumedCapacity += consumed.CapacityUnits ?? 0;
        }
        for (const item of output.Responses?.[this.options.tableName] ?? []) {
          const hour = byKey.get(item.userId?.S ?? '');
          if (hour === undefined) continue;
          read.items += 1;
          found.set(hour, hourCountsOf(item, hour));
        }
        keys = (output.UnprocessedKeys?.[this.options.tableName]?.Keys ?? []) as typeof keys;
        if (attempt >= 8 && keys.length > 0) {
          throw new StoreError(
            `BatchGetItem left ${keys.length} hours unread after ${attempt + 1} tries`,
          );
        }
      }
    }
    return { hours: hours.map((hour) => found.get(hour) ?? emptyHour(hour)), read };
  }
}
