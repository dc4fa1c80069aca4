import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { StoreError } from '../errors.js';
import {
  type ReapReason,
  SESSION_STATES,
  type Session,
  type SessionState,
} from '../sessions/session-store.js';
import { AGE_FAMILY, type DueFamily, shardKey, shardOf } from '../sessions/shard.js';
import { DESTROYED_RETENTION_MS, FAILED_RETENTION_MS, TTL_ATTRIBUTE } from './schema.js';

/** A DynamoDB item in wire form. */
export type Item = Record<string, AttributeValue>;

/** Attributes the store derives from a session: which index entry it has, and its TTL. */
export interface DerivedAttributes {
  dueShard?: string;
  dueAt?: number;
  ageShard?: string;
  /** TTL, epoch seconds. */
  expiresAt?: number;
}

/** Store-only attributes carried beside a {@link Session}. */
export interface ItemExtras {
  /** Token of the claim that last took the session. */
  claimToken?: string;
  /** When a `failed` item was recorded (its TTL counts from there). @default now */
  failedAt?: number;
  /**
   * While `reaping`: the version the claim wrote. A higher version means
   * activity was recorded since the claim (nothing else writes a `reaping`
   * item but its claimant's outcome), so an expired claim is not taken over.
   */
  claimVersion?: number;
}

/** The `due` family a session belongs to, or undefined when it is in no index (ended). */
export function dueFamilyOf(session: Session): DueFamily | undefined {
  if (session.state === 'reaping') return 'L';
  if (session.state === 'active' || session.state === 'disconnected') {
    if (session.nextAttemptAt !== undefined) return 'R';
    return session.state === 'active' ? 'A' : 'D';
  }
  return undefined;
}

/** The sort key of the session's `due` entry for its family. */
const dueAtOf = (session: Session, family: DueFamily): number => {
  switch (family) {
    case 'A':
    case 'D':
      return session.lastActiveAt;
    case 'R':
      return session.nextAttemptAt ?? 0;
    case 'L':
      return session.leaseExpiresAt ?? 0;
  }
};

const ttlSeconds = (at: number, retentionMs: number): number =>
  Math.ceil((at + retentionMs) / 1000);

/**
 * Index and TTL attributes of a session: a pure function of the session, so
 * every write path and the test seeding agree on them.
 */
export function derivedAttributes(
  session: Session,
  extras: ItemExtras = {},
  now = Date.now(),
): DerivedAttributes {
  const family = dueFamilyOf(session);
  const shard = shardOf(session.userId);
  const derived: DerivedAttributes = {};
  if (family !== undefined) {
    derived.dueShard = shardKey(family, shard, session.class);
    derived.dueAt = dueAtOf(session, family);
  }
  if (family === 'A' || family === 'D') {
    derived.ageShard = shardKey(AGE_FAMILY, shard, session.class);
  }
  if (session.state === 'destroyed') {
    derived.expiresAt = ttlSeconds(session.destroyedAt ?? now, DESTROYED_RETENTION_MS);
  } else if (session.state === 'failed') {
    derived.expiresAt = ttlSeconds(extras.failedAt ?? now, FAILED_RETENTION_MS);
  }
  return derived;
}

/** TTL of an item recorded `destroyed` at `at`, epoch seconds. */
export const destroyedExpiresAt = (at: number): number => ttlSeconds(at, DESTROYED_RETENTION_MS);
/** TTL of an item recorded `failed` at `at`, epoch seconds. */
export const failedExpiresAt = (at: number): number => ttlSeconds(at, FAILED_RETENTION_MS);

const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });

/**
 * The complete item the store writes for a session: its attributes plus the
 * derived index and TTL attributes. The test seeding uses this too.
 */
export function sessionToItem(session: Session, extras: ItemExtras = {}, now?: number): Item {
  const item: Item = {
    userId: S(session.userId),
    state: S(session.state),
    lastActiveAt: N(session.lastActiveAt),
    startedAt: N(session.startedAt),
    attempts: N(session.attempts),
    version: N(session.version),
  };
  const optionalNumbers = {
    disconnectedAt: session.disconnectedAt,
    nextAttemptAt: session.nextAttemptAt,
    destroyedAt: session.destroyedAt,
    leaseExpiresAt: session.leaseExpiresAt,
    claimedAt: session.claimedAt,
    firstFailedAt: session.firstFailedAt,
    sendingAt: session.sendingAt,
    warnedAt: session.warnedAt,
    claimVersion: extras.claimVersion,
    exemptUntil: session.exemptUntil,
    exemptSetAt: session.exemptSetAt,
  };
  for (const [name, value] of Object.entries(optionalNumbers)) {
    if (value !== undefined) item[name] = N(value);
  }
  const optionalStrings = {
    lastError: session.lastError,
    requestId: session.requestId,
    reapedBy: session.reapedBy,
    reason: session.reason,
    claimToken: extras.claimToken,
    class: session.class,
    exemptReason: session.exemptReason,
    exemptBy: session.exemptBy,
  };
  for (const [name, value] of Object.entries(optionalStrings)) {
    if (value !== undefined) item[name] = S(value);
  }
  if (session.alreadyGone !== undefined) item.alreadyGone = { BOOL: session.alreadyGone };
  const derived = derivedAttributes(session, extras, now);
  if (derived.dueShard !== undefined) item.dueShard = S(derived.dueShard);
  if (derived.dueAt !== undefined) item.dueAt = N(derived.dueAt);
  if (derived.ageShard !== undefined) item.ageShard = S(derived.ageShard);
  if (derived.expiresAt !== undefined) item[TTL_ATTRIBUTE] = N(derived.expiresAt);
  return item;
}

const number = (item: Item, name: string): number | undefined => {
  const raw = item[name]?.N;
  return raw === undefined ? undefined : Number(raw);
};
const string = (item: Item, name: string): string | undefined => item[name]?.S;

/** Reads a session back from an item (a full item or an index projection of one). */
export function itemToSession(item: Item): Session {
  const userId = string(item, 'userId');
  const state = string(item, 'state') as SessionState | undefined;
  if (userId === undefined || state === undefined || !SESSION_STATES.includes(state)) {
    throw new StoreError(`malformed session item ${JSON.stringify(userId ?? '?')}: bad state`);
  }
  const session: Session = {
    userId,
    state,
    lastActiveAt: number(item, 'lastActiveAt') ?? 0,
    startedAt: number(item, 'startedAt') ?? 0,
    attempts: number(item, 'attempts') ?? 0,
    version: number(item, 'version') ?? 0,
  };
  const optional = {
    disconnectedAt: number(item, 'disconnectedAt'),
    nextAttemptAt: number(item, 'nextAttemptAt'),
    destroyedAt: number(item, 'destroyedAt'),
    leaseExpiresAt: number(item, 'leaseExpiresAt'),
    claimedAt: number(item, 'claimedAt'),
    firstFailedAt: number(item, 'firstFailedAt'),
    sendingAt: number(item, 'sendingAt'),
    warnedAt: number(item, 'warnedAt'),
    lastError: string(item, 'lastError'),
    requestId: string(item, 'requestId'),
    reapedBy: string(item, 'reapedBy'),
    class: string(item, 'class'),
    exemptUntil: number(item, 'exemptUntil'),
    exemptReason: string(item, 'exemptReason'),
    exemptBy: string(item, 'exemptBy'),
    exemptSetAt: number(item, 'exemptSetAt'),
    reason: reasonOf(item),
    alreadyGone: item.alreadyGone?.BOOL,
  };
  for (const [name, value] of Object.entries(optional)) {
    if (value !== undefined) Object.assign(session, { [name]: value });
  }
  return session;
}

const REAP_REASONS: readonly string[] = ['idle', 'disconnected', 'maxAge', 'manual'];

/** The item's `reason`, when it is one this version knows. */
const reasonOf = (item: Item): ReapReason | undefined => {
  const raw = string(item, 'reason');
  return raw !== undefined && REAP_REASONS.includes(raw) ? (raw as ReapReason) : undefined;
};

/** The store-only claim token of an item, if any. */
export const claimTokenOf = (item: Item): string | undefined => string(item, 'claimToken');

/** The store-only claim attributes of a `reaping` item, to carry over when rewriting it. */
export const claimExtrasOf = (item: Item): Pick<ItemExtras, 'claimToken' | 'claimVersion'> => ({
  claimToken: claimTokenOf(item),
  claimVersion: number(item, 'claimVersion'),
});
