import { setMaxListeners } from 'node:events';
import pLimit, { type LimitFunction } from 'p-limit';
import type { CarApi, CarFailure } from '../car/car-api.js';
import type { Clock, Sleep } from '../clock.js';
import type { Logger } from '../logger.js';
import { DEFAULT_CLASS } from '../policies/session-classes.js';
import type { RateBudget } from '../rate/rate-budget.js';
import type {
  Candidate,
  Claim,
  ClaimResult,
  ClassThresholds,
  DueReason,
  Outcome,
  SessionStore,
} from '../sessions/session-store.js';
import type { WarnPolicy } from '../sessions/warnings.js';
import { namedUsers, storeCandidates, type WorkItem } from './candidate-source.js';
import { CheckLead } from './check-lead.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { classThresholds } from './class-thresholds.js';
import { LatencyTracker } from './concurrency.js';
import { type DestroyContext, destroyClaimed, type Verdict } from './destroy-claimed.js';
import type { EventSink } from './event-sink.js';
import { LeasePolicy } from './lease.js';
import { outcomeEvent } from './outcome-events.js';
import { OutcomeRecorder } from './outcome-recorder.js';
import type { OutcomeTally } from './outcome-tally.js';
import { DEFAULT_GIVE_UP_AFTER_MS, DEFAULT_RETRY_MAX_DELAY_MS } from './retry-policy.js';
import { RunStats } from './run-stats.js';
import {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_STORE_CONCURRENCY,
  type ReaperSettings,
} from './settings.js';
import type { ReapOptions, ReapSummary, StopReason } from './types.js';
import { needsWarning, Warner, warnGate } from './warner.js';

/** What a run needs; built once per reaper by createReaper. */
export interface ReapRunDeps {
  store: SessionStore;
  car: CarApi;
  budget: RateBudget;
  clock: Clock;
  sleep: Sleep;
  logger: Logger;
  random: () => number;
  events: EventSink;
  settings: ReaperSettings;
  /** Shared by the reaper's runs: a run that starts during an outage begins with a probe. */
  breaker: CircuitBreaker;
  /** Calls in flight to start with. */
  concurrency: number;
  /** Raise the concurrency if calls turn out slower than expected (not when configured). */
  adaptConcurrency: boolean;
  claimant: string;
  /** Counts final outcomes for `car-reaper report`. @default none */
  tally?: OutcomeTally;
}

/**
 * The summary counter each verdict adds to (an auth failure releases its
 * claim; a user back before the send is a lost race, its claim released).
 */
const COUNTER = {
  destroyed: 'destroyed',
  retry: 'retried',
  failed: 'failed',
  released: 'released',
  auth: 'released',
  returned: 'skipped',
  lost: 'skipped',
} as const;

/** Upper bound of the adaptive concurrency. */
const MAX_ADAPTIVE_CONCURRENCY = 256;

/** Failed circuit-breaker probes after which a run stops and leaves the rest to later runs. */
export const MAX_FAILED_PROBES_PER_RUN = 3;

/**
 * One reap cycle: pulls candidates, claims each, destroys it within the
 * limits, records the outcome. Work is bounded: at most 2 x concurrency
 * sessions are claimed and not yet finished, and the next candidate is read
 * only when one of them finishes (backpressure down to the store's pages).
 */
export class ReapRun {
  private readonly stats: RunStats;
  private readonly stop = new AbortController();
  private stopReason: StopReason | undefined;
  private fatal: unknown;
  private authError: { code: string; message: string } | undefined;
  private readonly tasks = new Set<Promise<void>>();
  private claimsPending = 0;
  private wakeups: (() => void)[] = [];
  private readonly callLimit: LimitFunction;
  /** Caps claims and outcome writes in flight (the store's connection pool is finite). */
  private readonly storeLimit: LimitFunction;
  private readonly deadline: number;
  private readonly lease: LeasePolicy;
  private readonly wouldDestroy: string[] = [];
  private readonly wouldDestroySessions: NonNullable<ReapSummary['wouldDestroySessions']> = [];
  /** Sessions the search found due but exempt. */
  private skippedExempt = 0;
  private readonly latency: LatencyTracker;
  private readonly recorder: OutcomeRecorder;
  private readonly ctx: DestroyContext;
  private producing = true;
  private readonly breakerAtStart: { opened: number; failedProbes: number };
  /** The default class's rules for this run (the settings with the run's overrides). */
  private readonly thresholds: ClassThresholds;
  /** Each named class's rules for this run. */
  private readonly classes: Record<string, ClassThresholds>;
  /** Warnings of this run (WARN_BEFORE_SECONDS); none for named users or a dry run. */
  private readonly warner: Warner | undefined;
  private awaitingWarning = 0;

  constructor(
    private readonly deps: ReapRunDeps,
    private readonly options: ReapOptions,
    private readonly userIds: string[] | undefined,
  ) {
    // Every waiting task listens on the stop signal (token wait or backoff sleep).
    setMaxListeners(0, this.stop.signal);
    this.stats = new RunStats(deps.clock, options.onProgress);
    this.callLimit = pLimit(deps.concurrency);

    this.deadline = options.deadline ?? Number.POSITIVE_INFINITY;
    this.lease = new LeasePolicy(deps.settings, this.deadline);
    this.latency = new LatencyTracker(deps.settings.quotaRps, { max: MAX_ADAPTIVE_CONCURRENCY });
    this.storeLimit = pLimit(deps.settings.storeConcurrency ?? DEFAULT_STORE_CONCURRENCY);
    this.recorder = new OutcomeRecorder({
      store: deps.store,
      sleep: deps.sleep,
      logger: deps.logger,
      limit: this.storeLimit,
    });
    this.breakerAtStart = {
      opened: deps.breaker.opened,
      failedProbes: deps.breaker.failedProbes,
    };
    const { settings } = deps;
    this.thresholds = {
      idleTimeoutMs: options.idleTimeoutMs ?? settings.idleTimeoutMs,
      disconnectGraceMs: options.disconnectGraceMs ?? settings.disconnectGraceMs,
      maxAgeMs: options.maxAgeMs ?? settings.maxAgeMs,
      warnMs: settings.warnBeforeMs ?? 0,
    };
    this.classes = classThresholds(settings.classes, this.thresholds);
    const warns = [this.thresholds, ...Object.values(this.classes)].some(
      (t) => (t.warnMs ?? 0) > 0,
    );
    if (warns && !userIds && !options.dryRun) {
      this.warner = new Warner({
        ...deps,
        limit: this.storeLimit,
        policyOf: (sessionClass) => this.policyOf(sessionClass),
        signal: this.stop.signal,
      });
    }
    let carReady: Promise<void> | undefined;
    this.ctx = {
      car: deps.car,
      breaker: deps.breaker,
      retryPolicy: {
        maxDelayMs: deps.settings.retryMaxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS,
        giveUpAfterMs: deps.settings.giveUpAfterMs ?? DEFAULT_GIVE_UP_AFTER_MS,
      },
      markSending: (claim, at) => deps.store.markSending(claim, at),
      checkLead: new CheckLead(),
      carReady: () => {
        carReady ??= deps.car.prepare?.().catch(() => undefined) ?? Promise.resolve();
        return carReady;
      },
      budget: deps.budget,
      callLimit: this.callLimit,
      clock: deps.clock,
      sleep: deps.sleep,
      random: deps.random,
      maxAttempts: deps.settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      stop: this.stop.signal,
      cutoff: (claim) => this.lease.cutoff(claim),
      onCall: () => this.stats.onCall(),
      onCallDone: (ms) => this.observeLatency(ms),
      onCheckToSend: (ms) => this.stats.checkToSend.push(ms),
      onLateCheck: () => this.stats.lateChecks++,
      onCheckFailed: (claim, error) => {
        this.stats.failedChecks++;
        deps.logger.warn('send check failed: DestroySession not sent', {
          userId: claim.userId,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
      },
      onThrottled: () => this.stats.throttled++,
      onAuthFailure: (failure) => this.onAuthFailure(failure),
    };
  }

  async execute(): Promise<ReapSummary> {
    const { clock, sleep, logger } = this.deps;
    const startedAt = clock();
    const finished = new AbortController();
    if (Number.isFinite(this.deadline)) {
      void sleep(Math.max(0, this.deadline - startedAt), finished.signal).then(() => {
        if (!finished.signal.aborted) this.halt('deadline');
      });
    }
    const onAbort = () => this.halt('aborted');
    if (this.options.signal?.aborted) onAbort();
    else this.options.signal?.addEventListener('abort', onAbort, { once: true });
    this.warner?.warnUpcoming({
      ...this.thresholds,
      warnMs: this.thresholds.warnMs ?? 0,
      classes: this.classes,
      activityResolutionMs: this.deps.settings.activityResolutionMs,
      pageSize: this.deps.settings.pageSize,
    });
    try {
      await this.produce();
    } catch (error) {
      this.fail(error);
    }
    this.producing = false;
    while (this.tasks.size > 0) await Promise.all([...this.tasks]);
    await this.deps.tally?.flush?.();
    await this.warner?.settled();
    finished.abort();
    this.options.signal?.removeEventListener('abort', onAbort);
    this.stats.progress(true);
    const summary = this.summary(clock() - startedAt);
    if (this.fatal !== undefined) {
      logger.error('reap failed', { ...summary, error: String(this.fatal) });
      throw this.fatal;
    }
    // Debug: each trigger's own line (the reap function's, serve's) reports the run at info.
    const { wouldDestroy, wouldDestroySessions: _sessions, ...figures } = summary;
    logger.debug('reap finished', {
      ...figures,
      ...(wouldDestroy ? { wouldDestroyCount: wouldDestroy.length } : {}),
    });
    return summary;
  }

  private async produce(): Promise<void> {
    const { store, settings, clock } = this.deps;
    const o = this.options;
    const source = this.userIds
      ? namedUsers(this.userIds)
      : storeCandidates(store, {
          now: clock(),
          ...this.thresholds,
          activityResolutionMs: settings.activityResolutionMs,
          classes: this.classes,
          onExempt: () => {
            this.skippedExempt++;
          },
          pageSize: settings.pageSize,
        });
    for await (const item of source) {
      if (this.stopped()) break;
      if (item.candidate) {
        // Warn-first: an unwarned session is warned now, a recently warned one waits.
        const gate = warnGate(item.candidate, clock(), this.warnMsOf(item.candidate));
        if (gate !== 'claim') {
          if (gate === 'warn') this.warner?.warnDue(item.candidate);
          this.awaitingWarning++;
          continue;
        }
      }
      if (clock() >= this.deadline) {
        this.halt('deadline');
        break;
      }
      if (o.limit !== undefined && (await this.atLimit(o.limit))) {
        this.stopReason ??= 'limit';
        break;
      }
      if (o.dryRun) {
        this.stats.candidates++;
        this.wouldDestroy.push(item.userId);
        this.wouldDestroySessions.push({
          userId: item.userId,
          class: item.candidate?.session.class ?? DEFAULT_CLASS,
          reason: item.candidate?.reason ?? 'manual',
        });
        continue;
      }
      while (this.tasks.size >= 2 * this.callLimit.concurrency && !this.stopped()) {
        await this.nextChange();
      }
      await this.waitOutOutage();
      if (this.stopped()) break;
      this.stats.candidates++;
      this.spawn(item);
    }
  }

  /**
   * Claims nothing new while the circuit breaker holds calls back; stops the
   * run ('outage') when its probes keep failing or it stays open past the
   * deadline. Claims already made wait for the breaker in their own tasks.
   */
  private async waitOutOutage(): Promise<void> {
    const { breaker, clock, sleep } = this.deps;
    for (;;) {
      if (this.stopped()) return;
      const failedProbes = breaker.failedProbes - this.breakerAtStart.failedProbes;
      if (failedProbes >= MAX_FAILED_PROBES_PER_RUN) return this.halt('outage');
      const now = clock();
      const readyAt = breaker.readyAt(now);
      if (readyAt <= now) return;
      if (readyAt >= this.deadline) return this.halt('outage');
      await sleep(Math.min(readyAt - now, 1000), this.stop.signal);
    }
  }

  /** The rules of a class for this run (an unknown class is judged as the default one). */
  private policyOf(sessionClass: string | undefined): WarnPolicy {
    const own = sessionClass === undefined ? undefined : this.classes[sessionClass];
    return {
      ...(own ?? this.thresholds),
      activityResolutionMs: this.deps.settings.activityResolutionMs,
    };
  }

  /** How long before its reap a candidate must have been warned; 0 when it needs no warning. */
  private warnMsOf(candidate: Candidate): number {
    return this.policyOf(candidate.session.class).warnMs ?? 0;
  }

  /** Whether the run has claimed its `limit` (waiting out claims still in flight). */
  private async atLimit(limit: number): Promise<boolean> {
    for (;;) {
      const taken = this.options.dryRun ? this.wouldDestroy.length : this.stats.claimed;
      if (taken + this.claimsPending < limit) return false;
      if (this.claimsPending === 0) return true;
      await this.nextChange();
    }
  }

  private spawn(item: WorkItem): void {
    void this.ctx.carReady(); // overlaps the claim write
    const task: Promise<void> = this.handle(item)
      .catch((error) => this.fail(error))
      .finally(() => {
        this.tasks.delete(task);
        this.notify();
      });
    this.tasks.add(task);
  }

  private async handle(item: WorkItem): Promise<void> {
    const { store, clock } = this.deps;
    let result: ClaimResult;
    // The claim re-checks the warning on the item: warned this idle period, long enough ago.
    const warnMs = item.candidate ? this.warnMsOf(item.candidate) : 0;
    const warnedBy = item.candidate && needsWarning(item.candidate, warnMs) ? warnMs : undefined;
    this.claimsPending++;
    try {
      result = await this.storeLimit(() => {
        const now = clock();
        const claimOptions = {
          now,
          leaseMs: this.lease.leaseFor(now),
          claimant: this.deps.claimant,
          ...(item.candidate
            ? { reason: item.candidate.reason }
            : this.options.onlyDisconnected
              ? { reason: 'disconnected' as const, onlyDisconnected: true }
              : {}),
          ...(warnedBy === undefined ? {} : { warnedBy: now - warnedBy }),
        };
        return item.candidate
          ? store.claim(item.candidate.session, claimOptions)
          : store.claimByUserId(item.userId, claimOptions);
      });
    } finally {
      this.claimsPending--;
      this.notify();
    }
    if (result.status === 'lost') {
      if (warnedBy !== undefined) this.warner?.afterLostClaim(result.current);
      this.stats.skipped++;
      this.stats.progress();
      return;
    }
    this.stats.claimed++;
    const { verdict, claim } = await destroyClaimed(result.claim, this.ctx);
    this.count(verdict);
    if (verdict.kind !== 'lost') {
      if (!(await this.recorder.record(claim, verdict.outcome))) this.stats.unrecorded++;
      else {
        await this.countOutcome(claim, verdict.outcome, item.candidate?.reason);
        const event = outcomeEvent(claim, verdict.outcome);
        if (event) this.deps.events.publish(event);
      }
    }
    this.stats.progress();
  }

  private count(verdict: Verdict): void {
    const s = this.stats;
    s[COUNTER[verdict.kind]]++;
    if (verdict.kind === 'returned') s.returned++;
    if (verdict.kind === 'failed' && verdict.terminal) s.terminalFailures++;
    if (verdict.kind === 'destroyed' && verdict.outcome.kind === 'destroyed') {
      if (verdict.outcome.alreadyGone) s.alreadyGone++;
    }
    if (verdict.kind === 'retry' && verdict.outcome.kind === 'retry') {
      const age = verdict.outcome.at - (verdict.outcome.firstFailedAt ?? verdict.outcome.at);
      s.oldestRetryAgeMs = Math.max(s.oldestRetryAgeMs, age);
    }
  }

  /** Adds a recorded outcome to the report's counts, under the rules this run applied to its class. */
  private async countOutcome(claim: Claim, outcome: Outcome, candidateReason?: DueReason) {
    const { tally, settings } = this.deps;
    if (!tally) return;
    const o = this.options;
    const cls = claim.previous.class;
    const { warnMs: _, ...thresholds } =
      cls === undefined || cls === DEFAULT_CLASS
        ? this.thresholds
        : (this.classes[cls] ?? this.thresholds);
    // Idle is due once the timeout and the activity resolution have passed, as the search has it.
    const policy = {
      ...thresholds,
      idleTimeoutMs: thresholds.idleTimeoutMs + (settings.activityResolutionMs ?? 0),
    };
    await this.storeLimit(() =>
      tally.count({ claim, outcome, candidateReason, trigger: o.trigger, policy }),
    );
  }

  private observeLatency(ms: number): void {
    this.latency.observe(ms);
    if (!this.deps.adaptConcurrency || this.stats.calls % 20 !== 0) return;
    const suggested = Math.min(MAX_ADAPTIVE_CONCURRENCY, this.latency.suggest());
    if (suggested > this.callLimit.concurrency) this.callLimit.concurrency = suggested;
  }

  private onAuthFailure(failure: CarFailure): void {
    if (!this.authError) {
      this.authError = { code: failure.code, message: failure.message };
      this.deps.logger.error('CAR refused the credentials: stopping the run', {
        code: failure.code,
        message: failure.message,
        requestId: failure.requestId,
      });
    }
    this.stopReason = 'auth';
    this.halt('auth');
  }

  /** Stops claiming; calls not yet started are released, calls in flight finish. */
  private halt(reason?: StopReason): void {
    if (reason === 'deadline' && !this.producing && this.tasks.size === 0) return;
    if (reason) this.stopReason ??= reason;
    this.stop.abort();
    this.notify();
  }

  /**
   * An infrastructure error (the store): claim nothing more, finish the
   * sessions already claimed (their outcomes still get written if the store
   * comes back), then reject the run.
   */
  private fail(error: unknown): void {
    this.fatal ??= error;
    this.notify();
  }

  private stopped(): boolean {
    return this.stop.signal.aborted || this.fatal !== undefined;
  }

  private nextChange(): Promise<void> {
    return new Promise((resolve) => this.wakeups.push(resolve));
  }

  private notify(): void {
    const wakeups = this.wakeups;
    this.wakeups = [];
    for (const wake of wakeups) wake();
  }

  private summary(durationMs: number): ReapSummary {
    const s = this.stats;
    const summary: ReapSummary = {
      trigger: this.options.trigger,
      candidates: s.candidates,
      claimed: s.claimed,
      destroyed: s.destroyed,
      alreadyGone: s.alreadyGone,
      retried: s.retried,
      failed: s.failed,
      terminalFailures: s.terminalFailures,
      oldestRetryAgeMs: s.oldestRetryAgeMs,
      throttled: s.throttled,
      skipped: s.skipped,
      returned: s.returned,
      claimToSendMs: s.checkToSendFigures(),
      lateChecks: s.lateChecks,
      failedChecks: s.failedChecks,
      breakerOpened: this.deps.breaker.opened - this.breakerAtStart.opened,
      dryRun: this.options.dryRun ?? false,
      durationMs,
      achievedRps: durationMs > 0 ? Math.round((s.calls * 100_000) / durationMs) / 100 : 0,
      calls: s.calls,
      released: s.released,
      unrecorded: s.unrecorded,
      concurrency: this.callLimit.concurrency,
    };
    if (this.warner) summary.warned = this.warner.warned;
    if (this.warner) summary.awaitingWarning = this.awaitingWarning;
    if (this.stopReason) summary.stoppedAt = this.stopReason;
    if (this.options.dryRun) {
      summary.wouldDestroy = [...this.wouldDestroy];
      summary.wouldDestroySessions = [...this.wouldDestroySessions];
    }
    if (!this.userIds) summary.skippedExempt = this.skippedExempt;
    if (this.authError) summary.error = this.authError;
    return summary;
  }
}
