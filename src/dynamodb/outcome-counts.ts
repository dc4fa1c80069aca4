import { randomBytes } from 'node:crypto';
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
import { isConditionalCheckFailed, toStoreError } from './store-errors.js';

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

/** One write of a writer's counts: who writes, and its number among that writer's writes. */
interface WriteMark {
  writer: string;
  seq: number;
}

/**
 * The UpdateItem that adds to an hour's item: a single atomic ADD of a few
 * counters, so concurrent writers never lose each other's counts. With a
 * `mark`, the write also sets the writer's attribute to its number, and only
 * if that attribute is below it: a write repeated after it had landed (an
 * SDK retry, or a flush made again after an answer was lost) fails its
 * condition instead of adding twice.
 */
export function hourUpdate(hour: number, adds: ReadonlyMap<string, number>, mark?: WriteMark) {
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
  let set = 'SET hourStart = :hour, expiresAt = :ttl';
  let condition: string | undefined;
  if (mark) {
    names['#w'] = `w_${mark.writer}`;
    values[':seq'] = N(mark.seq);
    set += ', #w = :seq';
    condition = 'attribute_not_exists(#w) OR #w < :seq';
  }
  return {
    key: hourKey(hour),
    update: `ADD ${terms.join(', ')} ${set}`,
    ...(condition ? { condition } : {}),
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
  /** Writes whose answer was an error, per hour start: made again, as they were, first. */
  private inDoubt = new Map<number, { adds: Map<string, number>; seq: number }>();
  /** This tally's name on the hour items (one attribute per writer and hour). */
  private readonly writer = randomBytes(6).toString('hex');
  private seq = 0;
  private flushing: Promise<void> = Promise.resolve();
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
   * failed write is logged and made again, as it was, by the next flush,
   * before any later counts of its hour (it may have landed: its number then
   * makes the repeat a no-op). The outcomes themselves are recorded on the
   * sessions' items either way.
   */
  flush(): Promise<void> {
    this.lastFlush = this.clock();
    // One flush at a time: a later number landing first would turn an earlier one into a no-op.
    this.flushing = this.flushing.then(async () => {
      const pending = this.pending;
      this.pending = new Map();
      const hours = new Set([...this.inDoubt.keys(), ...pending.keys()]);
      await Promise.all([...hours].map((hour) => this.flushHour(hour, pending.get(hour))));
    });
    return this.flushing;
  }

  private async flushHour(hour: number, adds: Map<string, number> | undefined): Promise<void> {
    const doubt = this.inDoubt.get(hour);
    if (doubt) {
      if (!(await this.write(hour, doubt.adds, doubt.seq))) {
        if (adds) this.keep(hour, adds);
        return;
      }
      this.inDoubt.delete(hour);
    }
    if (!adds) return;
    const seq = ++this.seq;
    if (!(await this.write(hour, adds, seq))) this.inDoubt.set(hour, { adds, seq });
  }

  /** True once the counts are in the item, by this write or an earlier attempt of it. */
  private async write(hour: number, adds: Map<string, number>, seq: number): Promise<boolean> {
    const { key, update, condition, names, values } = hourUpdate(hour, adds, {
      writer: this.writer,
      seq,
    });
    try {
      await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { userId: { S: key } },
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      // This writer's number is already there: an attempt whose answer was lost had landed.
      if (isConditionalCheckFailed(error)) return true;
      (this.options.logger ?? silentLogger).warn(
        'outcome counts not written; kept for the next flush',
        {
          hour: new Date(hour).toISOString(),
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        },
      );
      return false;
    }
  }

  private keep(hour: number, adds: ReadonlyMap<string, number>): void {
    const kept = this.pending.get(hour) ?? new Map<string, number>();
    mergeAdds(kept, adds);
    this.pending.set(hour, kept);
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
