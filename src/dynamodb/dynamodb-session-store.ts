import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import pLimit from 'p-limit';
import { StoreError, ValidationError } from '../errors.js';
import {
  type ActivityOptions,
  type Candidate,
  type Claim,
  type ClaimOptions,
  type ClaimResult,
  type Exemption,
  type ExemptionEntry,
  type ExemptionStore,
  type FindCandidatesOptions,
  type FindWarnableOptions,
  type Outcome,
  SESSION_STATES,
  type SendCheck,
  type Session,
  type SessionState,
  type SessionStore,
  type Warnable,
} from '../sessions/session-store.js';
import {
  assertClassName,
  assertTimestamp,
  assertUserId,
  assertUserIds,
  RESERVED_USER_ID_PREFIX,
} from '../sessions/validation.js';
import { assertNumberAtLeast, assertText } from '../validation.js';
import {
  type ActivityIndexing,
  DueMarks,
  recordActivityFor,
  recordDisconnectFor,
} from './activity.js';
import { findDueCandidates } from './candidate-finder.js';
import { claimSession, claimSessionByUserId } from './claims.js';
import { exemptSession, listSessionExemptions, removeSessionExemption } from './exemptions.js';
import { itemToSession } from './item-mapping.js';
import { markWarned } from './mark-warned.js';
import { recordClaimOutcome } from './outcomes.js';
import { markClaimSending } from './send-check.js';
import { emptyReadStats, type ReadStats, StoreContext } from './store-context.js';
import { findWarnableSessions } from './warning-finder.js';

/** Options of {@link DynamoDbSessionStore}. */
export interface DynamoDbSessionStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Endpoint named in connection errors; by default read from the client. */
  endpoint?: string;
  /** Parallel writes of one recordActivity call. @default 16 */
  activityConcurrency?: number;
  /**
   * Activity moves an active session's due-index entry only once it is this
   * much newer than the entry's mark; in between, a write sets lastActiveAt
   * alone and touches no index. The reaper finds idle sessions whatever the
   * step; a step shorter than the idle timeout keeps active users out of its
   * reads. 0 moves the entry on every write.
   * @default DEFAULT_DUE_INDEX_STEP_MS (three default activity resolutions)
   */
  dueIndexStepMs?: number;
  /** Parallel queries of one findCandidates search. @default 8 */
  queryConcurrency?: number;
  /** Parallel segments of the counts() scan. @default 4 */
  countSegments?: number;
}

/**
 * The due-index step for an activity resolution: three resolutions, so a
 * session heartbeating all along moves its index entry on every third write
 * at most, and a reap reads a session that went quiet at most one or two
 * schedule periods before it is due (bench/RESULTS.md, "Activity").
 */
export const dueIndexStepFor = (activityResolutionMs: number): number => 3 * activityResolutionMs;

/** The step for the default `ACTIVITY_RESOLUTION_SECONDS` (30). */
export const DEFAULT_DUE_INDEX_STEP_MS = dueIndexStepFor(30_000);

/**
 * The session store on DynamoDB (AWS SDK v3). Item layout and index design:
 * infra/sessions-table.yml and README.md ("Session table items"); the state
 * machine: transitions.ts; claims and outcomes: claims.ts, outcomes.ts.
 * Every DynamoDB failure leaves as a StoreError (or ClaimLostError).
 */
export class DynamoDbSessionStore implements SessionStore, ExemptionStore {
  /** What candidate searches have read so far (cumulative; snapshot it around a search). */
  readonly readStats: ReadStats = emptyReadStats();
  private readonly context: StoreContext;
  private readonly activityConcurrency: number;
  private readonly indexing: ActivityIndexing;
  private readonly queryConcurrency: number;
  private readonly countSegments: number;

  constructor(options: DynamoDbSessionStoreOptions) {
    this.context = new StoreContext(
      options.client,
      options.tableName,
      options.endpoint,
      this.readStats,
    );
    this.activityConcurrency = options.activityConcurrency ?? 16;
    const stepMs = options.dueIndexStepMs ?? DEFAULT_DUE_INDEX_STEP_MS;
    assertNumberAtLeast(stepMs, 'dueIndexStepMs', 0);
    this.indexing = { stepMs, marks: new DueMarks() };
    this.queryConcurrency = options.queryConcurrency ?? 8;
    this.countSegments = options.countSegments ?? 4;
  }

  /**
   * One conditional UpdateItem per distinct id (BatchWriteItem cannot be
   * conditional, and "never backwards" needs a condition), at most
   * `activityConcurrency` in flight. The SDK retries throttling and transient
   * failures; every id is attempted even when some fail, then the first
   * failure is thrown, counting the others.
   */
  async recordActivity(
    userIds: readonly string[],
    at: number,
    options: ActivityOptions = {},
  ): Promise<void> {
    assertUserIds(userIds);
    assertTimestamp(at, 'at');
    if (options.class !== undefined) assertClassName(options.class);
    const unique = [...new Set(userIds)];
    const limit = pLimit(this.activityConcurrency);
    const results = await Promise.allSettled(
      unique.map((userId) =>
        limit(() => recordActivityFor(this.context, userId, at, this.indexing, options.class)),
      ),
    );
    const failures = results.flatMap((result, index) =>
      result.status === 'rejected' ? [{ userId: unique[index], reason: result.reason }] : [],
    );
    const first = failures[0];
    if (first === undefined) return;
    if (failures.length === 1) throw first.reason;
    const cause = first.reason as { message?: string; retryable?: boolean };
    throw new StoreError(
      `recording activity failed for ${failures.length} of ${unique.length} user ids (first, ${JSON.stringify(first.userId)}: ${cause.message})`,
      { cause: first.reason, retryable: cause.retryable ?? false },
    );
  }

  async recordDisconnect(userId: string, at: number): Promise<void> {
    assertUserId(userId);
    assertTimestamp(at, 'at');
    await recordDisconnectFor(this.context, userId, at);
  }

  findCandidates(options: FindCandidatesOptions): AsyncIterable<Candidate[]> {
    assertTimestamp(options?.now, 'now');
    assertNumberAtLeast(options.idleTimeoutMs, 'idleTimeoutMs', 0);
    assertNumberAtLeast(options.disconnectGraceMs, 'disconnectGraceMs', 0);
    assertNumberAtLeast(options.maxAgeMs, 'maxAgeMs', 0);
    if (options.pageSize !== undefined) {
      assertNumberAtLeast(options.pageSize, 'pageSize', 1, { integer: true });
    }
    return findDueCandidates(this.context, options, this.queryConcurrency);
  }

  findWarnable(options: FindWarnableOptions): AsyncIterable<Warnable[]> {
    assertTimestamp(options?.now, 'now');
    assertNumberAtLeast(options.idleTimeoutMs, 'idleTimeoutMs', 0);
    assertNumberAtLeast(options.disconnectGraceMs, 'disconnectGraceMs', 0);
    assertNumberAtLeast(options.maxAgeMs, 'maxAgeMs', 0);
    assertNumberAtLeast(options.warnMs, 'warnMs', 1);
    return findWarnableSessions(this.context, options, this.queryConcurrency);
  }

  async markWarned(session: Session, at: number): Promise<boolean> {
    assertUserId(session?.userId, 'session.userId');
    assertNumberAtLeast(session.version, 'session.version', 0, { integer: true });
    assertTimestamp(at, 'at');
    return markWarned(this.context, session, at);
  }

  async claim(session: Session, options: ClaimOptions): Promise<ClaimResult> {
    assertUserId(session?.userId, 'session.userId');
    assertNumberAtLeast(session.version, 'session.version', 0, { integer: true });
    validateClaimOptions(options);
    return claimSession(this.context, session, options);
  }

  async claimByUserId(userId: string, options: ClaimOptions): Promise<ClaimResult> {
    assertUserId(userId);
    validateClaimOptions(options);
    return claimSessionByUserId(this.context, userId, options);
  }

  async markSending(claim: Claim, at: number): Promise<SendCheck> {
    assertUserId(claim?.userId, 'claim.userId');
    assertText(claim.claimant, 'claim.claimant', 256);
    assertTimestamp(at, 'at');
    return markClaimSending(this.context, claim, at);
  }

  async recordOutcome(claim: Claim, outcome: Outcome): Promise<void> {
    assertUserId(claim?.userId, 'claim.userId');
    assertText(claim.claimant, 'claim.claimant', 256);
    assertTimestamp(outcome?.at, 'outcome.at');
    if (outcome.kind !== 'released' && outcome.attempts !== undefined) {
      assertNumberAtLeast(outcome.attempts, 'outcome.attempts', 1, { integer: true });
    }
    switch (outcome.kind) {
      case 'retry':
        assertTimestamp(outcome.nextAttemptAt, 'outcome.nextAttemptAt');
        if (outcome.firstFailedAt !== undefined) {
          assertTimestamp(outcome.firstFailedAt, 'outcome.firstFailedAt');
        }
        if (typeof outcome.error !== 'string') {
          throw new ValidationError('outcome.error', 'must be a string');
        }
        break;
      case 'failed':
        if (typeof outcome.error !== 'string') {
          throw new ValidationError('outcome.error', 'must be a string');
        }
        break;
      case 'destroyed':
        if (outcome.requestId !== undefined)
          assertText(outcome.requestId, 'outcome.requestId', 256);
        break;
      case 'released':
        break;
      default:
        throw new ValidationError(
          'outcome.kind',
          `must be destroyed, retry, failed or released, got ${JSON.stringify((outcome as { kind?: unknown }).kind)}`,
        );
    }
    await recordClaimOutcome(this.context, claim, outcome);
  }

  async setExemption(
    userIds: readonly string[],
    exemption: Exemption,
  ): Promise<{ missing: string[] }> {
    assertUserIds(userIds);
    assertTimestamp(exemption?.until, 'until');
    assertTimestamp(exemption.at, 'at');
    assertText(exemption.reason, 'reason', 1024);
    assertText(exemption.by, 'by', 256);
    const unique = [...new Set(userIds)];
    const limit = pLimit(this.activityConcurrency);
    const written = await Promise.all(
      unique.map((userId) => limit(() => exemptSession(this.context, userId, exemption))),
    );
    return { missing: unique.filter((_, index) => !written[index]) };
  }

  async removeExemption(userIds: readonly string[]): Promise<{ removed: string[] }> {
    assertUserIds(userIds);
    const unique = [...new Set(userIds)];
    const limit = pLimit(this.activityConcurrency);
    const removed = await Promise.all(
      unique.map((userId) => limit(() => removeSessionExemption(this.context, userId))),
    );
    return { removed: unique.filter((_, index) => removed[index]) };
  }

  listExemptions(): Promise<ExemptionEntry[]> {
    return listSessionExemptions(this.context);
  }

  async get(userId: string): Promise<Session | undefined> {
    assertUserId(userId);
    try {
      const output = await this.context.client.send(
        new GetItemCommand({
          TableName: this.context.tableName,
          Key: { userId: { S: userId } },
          ConsistentRead: true,
        }),
      );
      return output.Item ? itemToSession(output.Item) : undefined;
    } catch (error) {
      throw await this.context.translate(error, 'GetItem');
    }
  }

  /**
   * Sessions by state. A parallel Scan projecting only `state`: it reads the
   * whole table, which is acceptable for an operator's `status` command (it is
   * never part of a reap cycle). The rate budget's reserved items are left out.
   */
  async counts(): Promise<Record<SessionState, number>> {
    const counts = Object.fromEntries(SESSION_STATES.map((state) => [state, 0])) as Record<
      SessionState,
      number
    >;
    const segments = Array.from({ length: this.countSegments }, (_, segment) => segment);
    await Promise.all(segments.map((segment) => this.countSegment(segment, counts)));
    return counts;
  }

  private async countSegment(segment: number, counts: Record<SessionState, number>) {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      try {
        const output = await this.context.client.send(
          new ScanCommand({
            TableName: this.context.tableName,
            Segment: segment,
            TotalSegments: this.countSegments,
            ProjectionExpression: '#state',
            FilterExpression: 'attribute_exists(#state) AND NOT begins_with(userId, :reserved)',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':reserved': { S: RESERVED_USER_ID_PREFIX } },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of output.Items ?? []) {
          const state = item.state?.S as SessionState | undefined;
          if (state !== undefined && state in counts) counts[state] += 1;
        }
        startKey = output.LastEvaluatedKey;
      } catch (error) {
        throw await this.context.translate(error, 'Scan (counts)');
      }
    } while (startKey !== undefined);
  }
}

const DUE_REASONS: readonly string[] = [
  'idle',
  'disconnected',
  'max-age',
  'retry',
  'lease-expired',
  'manual',
];

function validateClaimOptions(options: ClaimOptions): void {
  assertTimestamp(options?.now, 'options.now');
  if (options.reason !== undefined && !DUE_REASONS.includes(options.reason)) {
    throw new ValidationError(
      'options.reason',
      `must be one of ${DUE_REASONS.join(', ')}, got ${JSON.stringify(options.reason)}`,
    );
  }
  assertNumberAtLeast(options.leaseMs, 'options.leaseMs', 1);
  assertText(options.claimant, 'options.claimant', 256);
}
