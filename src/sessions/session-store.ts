/**
 * The port the reaper core depends on for session state. The DynamoDB
 * implementation lives beside it; unit tests use an in-memory fake.
 * All times are epoch milliseconds.
 */

export type SessionState = 'active' | 'disconnected' | 'reaping' | 'destroyed' | 'failed';

export const SESSION_STATES: readonly SessionState[] = [
  'active',
  'disconnected',
  'reaping',
  'destroyed',
  'failed',
];

/** One CAR session, as the table holds it (index attributes are the store's business). */
export interface Session {
  userId: string;
  state: SessionState;
  /** Last recorded activity. Never moves backwards. */
  lastActiveAt: number;
  /** When this CAR session (this life of the UserId) started. */
  startedAt: number;
  /** Set while `disconnected`. */
  disconnectedAt?: number;
  /** DestroySession attempts made in this life of the session. */
  attempts: number;
  lastError?: string;
  /** When a retry is due (a previous attempt failed retryably). */
  nextAttemptAt?: number;
  requestId?: string;
  destroyedAt?: number;
  /** Claimant that last reaped (or holds) the session. */
  reapedBy?: string;
  /** While `reaping`: when the claim's lease ends and another run may take over. */
  leaseExpiresAt?: number;
  /** While `reaping`: when the claim was made. */
  claimedAt?: number;
  /**
   * Bumped by every write that changes the session's state or its index
   * entry; a claim is conditional on it. Activity that only moves
   * `lastActiveAt` forward on an active session (the common heartbeat) leaves
   * it, so that write stays off the indexes: claims re-check `lastActiveAt`.
   */
  version: number;
  /**
   * When the last `session.warning` was sent. At or after lastActiveAt: the
   * session was warned in its current idle period.
   */
  warnedAt?: number;
  /** The session's class (policies file); absent = the default class. */
  class?: string;
  /** The session is not reaped before this time (epoch ms); it is judged by its class after it. */
  exemptUntil?: number;
  /** Why it is exempt (operator's text). */
  exemptReason?: string;
  /** Who set the exemption (an AWS principal or a local user). */
  exemptBy?: string;
  /** When the exemption was set. */
  exemptSetAt?: number;
  /**
   * Set on sessions a search found idle: the idle cut-off it used. Their
   * claim holds only if `lastActiveAt` is still at or before it, since the due
   * index does not carry `lastActiveAt` (see infra/sessions-table.yml).
   */
  idleCutoff?: number;
  /** Why the session was (or is being) reaped: set by its claim, kept through retries. */
  reason?: ReapReason;
  /** `destroyed`: CAR answered that the session was already gone or ending. */
  alreadyGone?: boolean;
  /** First retryable DestroySession failure of this life (GIVE_UP_AFTER_SECONDS counts from it). */
  firstFailedAt?: number;
  /** While `reaping`: when the claim passed its last check and its DestroySession went out. */
  sendingAt?: number;
}

/** Options of {@link SessionStore.recordActivity}. */
export interface ActivityOptions {
  /**
   * Puts the sessions in this class (checked against the policies by the
   * caller); `default` clears it. @default the class each session has
   */
  class?: string;
}

/** An exemption to record on sessions: they are not reaped before `until`. */
export interface Exemption {
  until: number;
  reason: string;
  /** Who sets it. */
  by: string;
  /** When it is set. */
  at: number;
}

/** A session's exemption, as `exempt --list` shows it. */
export interface ExemptionEntry {
  userId: string;
  state: SessionState;
  class?: string;
  until: number;
  reason: string;
  by?: string;
  setAt?: number;
}

/** Exemptions on sessions (an operator's tool, beside the reaper's {@link SessionStore}). */
export interface ExemptionStore {
  /**
   * Exempts recorded sessions until `exemption.until`. Returns the user ids
   * that have no session recorded (nothing is written for them).
   */
  setExemption(userIds: readonly string[], exemption: Exemption): Promise<{ missing: string[] }>;
  /** Removes exemptions; returns the user ids that had one. */
  removeExemption(userIds: readonly string[]): Promise<{ removed: string[] }>;
  /** Every exemption recorded, ended ones included, soonest end first. */
  listExemptions(): Promise<ExemptionEntry[]>;
}

/** Why a session is due. */
export type DueReason = 'idle' | 'disconnected' | 'max-age' | 'retry' | 'lease-expired' | 'manual';

/**
 * Why a session is reaped, as its item records it (`reason`): the due reason
 * of its first claim in this life, kept through retries and takeovers.
 */
export type ReapReason = 'idle' | 'disconnected' | 'maxAge' | 'manual';

/** The reason a claim records for a due reason; undefined for a retry or a takeover (the item's is kept). */
export function reapReasonOf(reason: DueReason): ReapReason | undefined {
  switch (reason) {
    case 'idle':
    case 'disconnected':
    case 'manual':
      return reason;
    case 'max-age':
      return 'maxAge';
    case 'retry':
    case 'lease-expired':
      return undefined;
  }
}

/** The rules a warning can announce. */
export type WarnReason = 'idle' | 'disconnected' | 'max-age';

/** A session about to be due, and for which rule. */
export interface Warnable {
  session: Session;
  reason: WarnReason;
  /** The earliest time it may be reaped, if warned at the search's `now`. */
  dueAt: number;
}

/** A warning search: the default class's `warnMs` and each named class's own. */
export interface FindWarnableOptions extends FindCandidatesOptions {
  /** How long before a session of the default class is due it is warned. */
  warnMs: number;
}

export interface Candidate {
  session: Session;
  reason: DueReason;
}

export interface FindCandidatesOptions {
  now: number;
  /** A session with no activity for this long is stale. */
  idleTimeoutMs: number;
  /** A disconnected session with no activity for this long after its disconnect is abandoned. */
  disconnectGraceMs: number;
  /** Sessions older than this are due whatever their activity; 0 turns it off. */
  maxAgeMs: number;
  /**
   * How much newer than `lastActiveAt` unwritten activity may be
   * (`ACTIVITY_RESOLUTION_SECONDS`): the idle rule waits this much longer, so
   * a session is never found idle before `idleTimeoutMs` of real inactivity.
   * @default 0
   */
  activityResolutionMs?: number;
  /** Items per page. @default 100 */
  pageSize?: number;
  /**
   * The thresholds of each named class (the top-level ones are the default
   * class's). Sessions of a class not named here are not searched.
   * @default none: every session is judged as the default class
   */
  classes?: Readonly<Record<string, ClassThresholds>>;
  /**
   * Told of each session found due but exempt (`exemptUntil` after `now`);
   * it is not handed out.
   */
  onExempt?: (candidate: Candidate) => void;
}

/** The thresholds one class is judged by, in ms. */
export interface ClassThresholds {
  idleTimeoutMs: number;
  disconnectGraceMs: number;
  /** 0 turns the age cap off for the class. */
  maxAgeMs: number;
  /** `session.warning` this long before the session is due; 0 or absent = no warnings. */
  warnMs?: number;
}

/** Whether a session is exempt from reaping at `now`. */
export const isExemptAt = (session: Session, now: number): boolean =>
  session.exemptUntil !== undefined && session.exemptUntil > now;

export interface ClaimOptions {
  now: number;
  /** How long the claim holds before another run may take the session over. */
  leaseMs: number;
  /** Who claims (run id); recorded as `reapedBy`. */
  claimant: string;
  /**
   * Why the session is due. Recorded as the item's `reason`, except for a
   * retry or a takeover, which keep the reason of the claim that started
   * them. @default 'manual' for claimByUserId, else 'idle'
   */
  reason?: DueReason;
  /** claimByUserId only: claim only a session still `disconnected` (the webhook's immediate destroy). */
  onlyDisconnected?: boolean;
  /**
   * claim only: the session must have been warned in its current idle period
   * at or before this time (the warn-first rule). @default no condition
   */
  warnedBy?: number;
  /**
   * The claim is made at its call's rate slot and is that call's last
   * check: it also records `sendingAt` (= `now`), as markSending does.
   * @default false
   */
  sending?: boolean;
}

/** A held claim: proof the caller may destroy the session and must record the outcome. */
export interface Claim {
  userId: string;
  claimant: string;
  /** Version written by the claim (activity while `reaping` bumps the item's version further). */
  version: number;
  /**
   * Unique token of this claim, written with it. Outcomes are conditional on
   * claimant + token, not on the version, so activity recorded while `reaping`
   * never makes an outcome unrecordable. Set by the DynamoDB store.
   */
  token?: string;
  leaseExpiresAt: number;
  /** Attempts before this one. */
  attempts: number;
  /** The session as it was just before the claim (used to release it unchanged). */
  previous: Session;
  /** The reason the item records for this reaping. */
  reason: ReapReason;
}

/**
 * What the last check before a DestroySession found:
 * - `clear`: nothing was recorded since the claim; the item now says the call
 *   is going out (`sendingAt`), and the returned claim is the one to record with;
 * - `returned`: activity was recorded since the claim: the user is back, the
 *   destroy must not be sent (the claim is still held: release it);
 * - `lost`: the claim is no longer held.
 */
export type SendCheck =
  | { status: 'clear'; claim: Claim }
  | { status: 'returned'; current: Session }
  | { status: 'lost'; current?: Session };

export type ClaimResult =
  | { status: 'claimed'; claim: Claim }
  /** Activity or another claimant changed the session since it was read. */
  | { status: 'lost'; current?: Session };

/**
 * `attempts` (optional on every outcome that made calls): the session's total
 * DestroySession attempts in this life, this claim's included. The engine may
 * retry several times under one claim, so it says how many; when absent the
 * store records `claim.attempts + 1`.
 */
export type Outcome =
  /** Ended; `alreadyGone` when CAR said the session no longer existed or was already ending. */
  | { kind: 'destroyed'; at: number; requestId?: string; attempts?: number; alreadyGone?: boolean }
  /**
   * A retryable failure: try again at `nextAttemptAt`. `firstFailedAt`: the
   * first failure of this life (kept when the item already has one).
   */
  | {
      kind: 'retry';
      at: number;
      error: string;
      nextAttemptAt: number;
      attempts?: number;
      firstFailedAt?: number;
    }
  /** Gave up (terminal error, or retryable past GIVE_UP_AFTER_SECONDS). */
  | { kind: 'failed'; at: number; error: string; attempts?: number }
  /** Nothing was done (run stopped before the call): put the session back as it was. */
  | { kind: 'released'; at: number };

export interface SessionStore {
  /** Records activity for many users at `at`; revives destroyed/failed sessions as new ones. */
  recordActivity(userIds: readonly string[], at: number, options?: ActivityOptions): Promise<void>;
  /** Marks the user disconnected at `at` (creating the session if needed). */
  recordDisconnect(userId: string, at: number): Promise<void>;
  /** Pages of due sessions; the read cost follows the number of due sessions. */
  findCandidates(options: FindCandidatesOptions): AsyncIterable<Candidate[]>;
  /**
   * Conditional claim: succeeds only if the session is unchanged since read,
   * or its lease expired with no activity recorded since that claim. An
   * expired claim with activity since is abandoned by a run that died while
   * its user came back: the session returns to life (no longer `reaping`)
   * and the claim is `lost`.
   */
  claim(session: Session, options: ClaimOptions): Promise<ClaimResult>;
  /**
   * Claims a named session for a manual destroy whatever its state (creating it
   * if absent), unless another claimant holds an unexpired lease.
   */
  claimByUserId(userId: string, options: ClaimOptions): Promise<ClaimResult>;
  /**
   * The last check before a DestroySession, made just before it is sent: one
   * conditional write that marks the claim as sending only if no activity was
   * recorded since the claim (or since the previous check of the same claim).
   */
  markSending(claim: Claim, at: number): Promise<SendCheck>;
  /** Records an outcome; throws ClaimLostError if the claim is no longer held. */
  recordOutcome(claim: Claim, outcome: Outcome): Promise<void>;
  /**
   * Sessions about to be due within `warnMs` and not warned in their current
   * idle period; the read cost follows their number. Stores without
   * warnings leave it out (and the engine refuses warnings on them).
   */
  findWarnable?(options: FindWarnableOptions): AsyncIterable<Warnable[]>;
  /**
   * Records that a warning is sent now: conditional on the session being
   * unchanged since it was read (version and lastActiveAt) and not warned in
   * this idle period. False when that condition failed (no warning is sent).
   */
  markWarned?(session: Session, at: number): Promise<boolean>;
  /** Reads one session (strongly consistent). */
  get(userId: string): Promise<Session | undefined>;
  /** Number of sessions in each state. */
  counts(): Promise<Record<SessionState, number>>;
}
