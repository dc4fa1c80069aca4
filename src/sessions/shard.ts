import { DEFAULT_CLASS } from '../policies/session-classes.js';

/**
 * Shards per index family. A write-heavy GSI partition key (every heartbeat
 * rewrites its `due` entry) would otherwise pile onto one partition; 16 shards
 * spread heartbeats over 16 index partitions, and a reap cycle issues one small
 * query per family and shard. Changing it requires rewriting every item.
 */
export const SHARD_COUNT = 16;

/**
 * Families of the `due` index: which rule a session waits for.
 * A: active, by lastActiveAt. D: disconnected, by lastActiveAt.
 * R: retry pending, by nextAttemptAt. L: reaping, by leaseExpiresAt.
 */
export type DueFamily = 'A' | 'D' | 'R' | 'L';

export const DUE_FAMILIES: readonly DueFamily[] = ['L', 'R', 'D', 'A'];

/** Partition prefix of the `age` index. */
export const AGE_FAMILY = 'G';

/** FNV-1a (32 bit) of the UTF-16 code units: stable across processes and releases. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The shard of a user id, in `[0, SHARD_COUNT)`. */
export const shardOf = (userId: string): number => fnv1a(userId) % SHARD_COUNT;

/**
 * The index partition key for a family and shard, e.g. `A#3`. The families
 * whose due time depends on the class's thresholds (A, D, and the age index)
 * have one partition family per named class, e.g. `A#kiosk#3`, so a search
 * asks each class's partitions with that class's cut-offs; the default class
 * keeps the plain keys. Retries (R) and leases (L) are due at a time of their
 * own whatever the class.
 */
export const shardKey = (
  family: DueFamily | typeof AGE_FAMILY,
  shard: number,
  sessionClass?: string,
): string =>
  sessionClass === undefined || sessionClass === DEFAULT_CLASS || family === 'R' || family === 'L'
    ? `${family}#${shard}`
    : `${family}#${sessionClass}#${shard}`;

/** Every shard number, for queries that fan out over a family. */
export const allShards = (): number[] => Array.from({ length: SHARD_COUNT }, (_, shard) => shard);

/**
 * Every shard number in a random order (Fisher-Yates). A search walks its
 * shards in such an order so that runs overlapping in time start on
 * different shards instead of racing for the same sessions.
 */
export function shuffledShards(random: () => number = Math.random): number[] {
  const shards = allShards();
  for (let index = shards.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [shards[index], shards[other]] = [shards[other] as number, shards[index] as number];
  }
  return shards;
}
