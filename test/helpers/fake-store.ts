import type { Clock } from '../../src/clock.js';
import { ClaimLostError, StoreError } from '../../src/errors.js';
import type {
  Candidate,
  Claim,
  ClaimOptions,
  ClaimResult,
  DueReason,
  FindCandidatesOptions,
  FindWarnableOptions,
  Outcome,
  SendCheck,
  Session,
  SessionState,
  SessionStore,
  Warnable,
} from '../../src/sessions/session-store.js';
import { reapReasonOf } from '../../src/sessions/session-store.js';
import { reviveAbandonedClaim } from '../../src/sessions/transitions.js';
import { warnedThisPeriod, warningFor } from '../../src/sessions/warnings.js';

const copy = (session: Session): Session => ({ ...session });

/** The warn-first condition of a claim: warned in this idle period, at or before `by`. */
const warnedLongEnough = (s: Session, by: number): boolean =>
  warnedThisPeriod(s) && (s.warnedAt as number) <= by;

/**
 * In-memory SessionStore with the DynamoDB store's semantics: claims are
 * conditional on the version read (or an expired lease with no activity
 * since that claim: with activity, the session is revived and the claim
 * lost), outcomes on still holding the claim, activity during a claim does
 * not break it. test/integration/sessions/session-store.contract.test.ts runs
 * the same specification against both.
 */
export class FakeSessionStore implements SessionStore {
  readonly sessions = new Map<string, Session>();
  /** Every outcome written, in order. */
  readonly outcomes: { userId: string; outcome: Outcome }[] = [];
  /** Every claim granted, in order. */
  readonly claims: Claim[] = [];
  /** Pages handed out by findCandidates. */
  pagesRead = 0;
  /** Called before each claim is applied (simulate activity between find and claim). */
  beforeClaim?: (userId: string) => void | Promise<void>;
  /** Called before each send check is applied (simulate activity while a claim waits). */
  beforeSend?: (userId: string) => void | Promise<void>;
  /** Runs after a claim was made and before its answer returns (a slow answer). */
  afterClaim?: (userId: string) => void | Promise<void>;
  /** Runs after a send check has been decided and before its answer returns (a slow answer). */
  afterCheck?: (userId: string) => void | Promise<void>;
  /** Every send check, in order, with what it found. */
  readonly sendChecks: { userId: string; at: number; status: SendCheck['status'] }[] = [];
  private failingOutcomeWrites = 0;
  /** Reaping sessions with activity recorded since their claim (the store sees it in the version). */
  private readonly activeSinceClaim = new Set<string>();

  constructor(private readonly clock: Clock = Date.now) {}

  /** Adds sessions; unspecified fields default to a live session started at `lastActiveAt`. */
  seed(...sessions: (Partial<Session> & { userId: string })[]): this {
    for (const partial of sessions) {
      const lastActiveAt = partial.lastActiveAt ?? this.clock();
      this.sessions.set(partial.userId, {
        state: 'active',
        lastActiveAt,
        startedAt: lastActiveAt,
        attempts: 0,
        version: 1,
        ...partial,
      });
    }
    return this;
  }

  /** The next `n` recordOutcome calls throw a retryable StoreError. */
  failOutcomeWrites(n: number): void {
    this.failingOutcomeWrites = n;
  }

  state(userId: string): SessionState | undefined {
    return this.sessions.get(userId)?.state;
  }

  async recordActivity(userIds: readonly string[], at: number): Promise<void> {
    for (const userId of userIds) {
      const s = this.sessions.get(userId);
      if (!s) {
        this.seed({ userId, lastActiveAt: at, startedAt: at });
      } else if (s.state === 'destroyed' || s.state === 'failed') {
        this.sessions.set(userId, {
          userId,
          state: 'active',
          lastActiveAt: at,
          startedAt: at,
          attempts: 0,
          version: s.version + 1,
        });
      } else if (s.state === 'reaping') {
        // Recorded, but the claim holds: activity after a claim cannot stop the call in flight.
        if (at > s.lastActiveAt) this.activeSinceClaim.add(userId);
        s.lastActiveAt = Math.max(s.lastActiveAt, at);
      } else {
        s.lastActiveAt = Math.max(s.lastActiveAt, at);
        s.state = 'active';
        s.disconnectedAt = undefined;
        if (s.nextAttemptAt !== undefined) {
          // The user is back: a pending retry and its failures no longer apply.
          Object.assign(s, {
            nextAttemptAt: undefined,
            lastError: undefined,
            firstFailedAt: undefined,
            attempts: 0,
          });
        }
        s.version++;
      }
    }
  }

  async recordDisconnect(userId: string, at: number): Promise<void> {
    const s = this.sessions.get(userId);
    if (!s) {
      this.seed({ userId, state: 'disconnected', lastActiveAt: at, disconnectedAt: at });
    } else if (s.state === 'active' || s.state === 'disconnected') {
      s.state = 'disconnected';
      s.disconnectedAt = at;
      s.version++;
    }
  }

  private dueReason(s: Session, o: FindCandidatesOptions): DueReason | undefined {
    const { now } = o;
    if (s.state === 'destroyed' || s.state === 'failed') return undefined;
    if (s.state === 'reaping') {
      return (s.leaseExpiresAt ?? 0) <= now ? 'lease-expired' : undefined;
    }
    if (s.nextAttemptAt !== undefined) return s.nextAttemptAt <= now ? 'retry' : undefined;
    if (o.maxAgeMs > 0 && s.startedAt <= now - o.maxAgeMs) return 'max-age';
    if (
      s.state === 'disconnected' &&
      (s.disconnectedAt ?? s.lastActiveAt) <= now - o.disconnectGraceMs
    ) {
      return 'disconnected';
    }
    if (s.lastActiveAt <= now - o.idleTimeoutMs - (o.activityResolutionMs ?? 0)) return 'idle';
    return undefined;
  }

  async *findCandidates(options: FindCandidatesOptions): AsyncIterable<Candidate[]> {
    const pageSize = options.pageSize ?? 100;
    const ids = [...this.sessions.values()]
      .filter((s) => this.dueReason(s, options) !== undefined)
      .sort((a, b) => a.lastActiveAt - b.lastActiveAt)
      .map((s) => s.userId);
    for (let i = 0; i < ids.length; i += pageSize) {
      await Promise.resolve();
      const page: Candidate[] = [];
      for (const id of ids.slice(i, i + pageSize)) {
        const s = this.sessions.get(id) as Session;
        const reason = this.dueReason(s, options);
        if (reason) page.push({ session: copy(s), reason });
      }
      this.pagesRead++;
      yield page;
    }
  }

  private take(current: Session, options: ClaimOptions, fallback: DueReason): ClaimResult {
    const previous = copy(current);
    const reason = reapReasonOf(options.reason ?? fallback) ?? current.reason ?? 'idle';
    current.reason = reason;
    current.sendingAt = options.sending ? options.now : undefined;
    current.state = 'reaping';
    current.reapedBy = options.claimant;
    current.leaseExpiresAt = options.now + options.leaseMs;
    current.claimedAt = options.now;
    current.version++;
    this.activeSinceClaim.delete(current.userId);
    const claim: Claim = {
      userId: current.userId,
      claimant: options.claimant,
      version: current.version,
      leaseExpiresAt: current.leaseExpiresAt,
      attempts: current.attempts,
      previous,
      reason,
    };
    this.claims.push(claim);
    return { status: 'claimed', claim };
  }

  async claim(session: Session, options: ClaimOptions): Promise<ClaimResult> {
    await this.beforeClaim?.(session.userId);
    const current = this.sessions.get(session.userId);
    if (!current || current.version !== session.version) {
      return { status: 'lost', current: current && copy(current) };
    }
    if (current.state === 'destroyed' || current.state === 'failed') {
      return { status: 'lost', current: copy(current) };
    }
    const live = current.state === 'active' || current.state === 'disconnected';
    if (live && options.warnedBy !== undefined && !warnedLongEnough(current, options.warnedBy)) {
      return { status: 'lost', current: copy(current) };
    }
    if (current.state === 'reaping' && (current.leaseExpiresAt ?? 0) > options.now) {
      return { status: 'lost', current: copy(current) };
    }
    if (current.state === 'reaping' && this.activeSinceClaim.has(current.userId)) {
      // The run holding the expired claim died and its user is back: revived, not taken over.
      this.activeSinceClaim.delete(current.userId);
      const revived = reviveAbandonedClaim(current);
      this.sessions.set(current.userId, revived);
      return { status: 'lost', current: copy(revived) };
    }
    const taken = this.take(current, options, 'idle');
    await this.afterClaim?.(session.userId);
    return taken;
  }

  async *findWarnable(options: FindWarnableOptions): AsyncIterable<Warnable[]> {
    const page: Warnable[] = [];
    for (const s of this.sessions.values()) {
      const own = s.class === undefined ? undefined : options.classes?.[s.class];
      const policy = {
        ...options,
        ...own,
        warnMs: own?.warnMs ?? options.warnMs,
      };
      // What the reap search finds is warned by the run that finds it, as in the store.
      if (this.dueReason(s, { ...options, ...own }) !== undefined) continue;
      const warning = warningFor(s, policy, options.now);
      if (warning) page.push({ session: copy(s), ...warning });
    }
    await Promise.resolve();
    if (page.length > 0) yield page;
  }

  async markWarned(session: Session, at: number): Promise<boolean> {
    await Promise.resolve();
    const current = this.sessions.get(session.userId);
    if (
      !current ||
      current.version !== session.version ||
      current.lastActiveAt !== session.lastActiveAt ||
      (current.state !== 'active' && current.state !== 'disconnected') ||
      current.nextAttemptAt !== undefined ||
      warnedThisPeriod(current)
    ) {
      return false;
    }
    current.warnedAt = at;
    current.version++;
    return true;
  }

  async claimByUserId(userId: string, options: ClaimOptions): Promise<ClaimResult> {
    await this.beforeClaim?.(userId);
    let current = this.sessions.get(userId);
    if (options.onlyDisconnected) {
      if (current?.state !== 'disconnected') {
        return { status: 'lost', current: current && copy(current) };
      }
      return this.take(current, options, 'manual');
    }
    if (!current) {
      this.seed({ userId, lastActiveAt: options.now });
      current = this.sessions.get(userId) as Session;
    }
    if (
      current.state === 'reaping' &&
      current.reapedBy !== options.claimant &&
      (current.leaseExpiresAt ?? 0) > options.now
    ) {
      return { status: 'lost', current: copy(current) };
    }
    return this.take(current, options, 'manual');
  }

  async markSending(claim: Claim, at: number): Promise<SendCheck> {
    await this.beforeSend?.(claim.userId);
    await Promise.resolve();
    const s = this.sessions.get(claim.userId);
    const held = s?.state === 'reaping' && s.reapedBy === claim.claimant;
    let check: SendCheck;
    if (!s || !held) {
      check = { status: 'lost', current: s && copy(s) };
    } else if (this.activeSinceClaim.has(claim.userId) || s.version !== claim.version) {
      check = { status: 'returned', current: copy(s) };
    } else {
      s.sendingAt = at;
      s.version++;
      check = { status: 'clear', claim: { ...claim, version: s.version } };
    }
    this.sendChecks.push({ userId: claim.userId, at, status: check.status });
    await this.afterCheck?.(claim.userId);
    return check;
  }

  async recordOutcome(claim: Claim, outcome: Outcome): Promise<void> {
    await Promise.resolve();
    if (this.failingOutcomeWrites > 0) {
      this.failingOutcomeWrites--;
      throw new StoreError('injected outcome write failure', { retryable: true });
    }
    const s = this.sessions.get(claim.userId);
    const held =
      s?.state === 'reaping' && s.reapedBy === claim.claimant && s.version === claim.version;
    if (!s || !held) {
      throw new ClaimLostError(claim.userId, s && copy(s));
    }
    this.outcomes.push({ userId: claim.userId, outcome });
    const activeSinceClaim = this.activeSinceClaim.delete(claim.userId);
    const attempts =
      outcome.kind === 'released' ? s.attempts : (outcome.attempts ?? claim.attempts + 1);
    const version = s.version + 1;
    const settled = {
      leaseExpiresAt: undefined,
      claimedAt: undefined,
      sendingAt: undefined,
      version,
      attempts,
    };
    switch (outcome.kind) {
      case 'destroyed':
        Object.assign(s, settled, {
          state: 'destroyed',
          destroyedAt: outcome.at,
          requestId: outcome.requestId,
          alreadyGone: outcome.alreadyGone ? true : undefined,
          lastError: undefined,
          nextAttemptAt: undefined,
          firstFailedAt: undefined,
        });
        break;
      case 'retry':
        Object.assign(s, settled, {
          state: s.disconnectedAt === undefined ? 'active' : 'disconnected',
          lastError: outcome.error,
          nextAttemptAt: outcome.nextAttemptAt,
          firstFailedAt: s.firstFailedAt ?? outcome.firstFailedAt ?? outcome.at,
        });
        break;
      case 'failed':
        Object.assign(s, settled, {
          state: 'failed',
          lastError: outcome.error,
          nextAttemptAt: undefined,
        });
        break;
      case 'released': {
        const restored = { ...claim.previous, lastActiveAt: s.lastActiveAt, version };
        // A released takeover puts back the abandoned claim, or revives it if its user is back.
        const back = activeSinceClaim && restored.state === 'reaping';
        this.sessions.set(claim.userId, back ? reviveAbandonedClaim(restored) : restored);
        break;
      }
    }
  }

  async get(userId: string): Promise<Session | undefined> {
    const s = this.sessions.get(userId);
    return s && copy(s);
  }

  async counts(): Promise<Record<SessionState, number>> {
    const counts: Record<SessionState, number> = {
      active: 0,
      disconnected: 0,
      reaping: 0,
      destroyed: 0,
      failed: 0,
    };
    for (const s of this.sessions.values()) counts[s.state]++;
    return counts;
  }
}
