import pLimit, { type LimitFunction } from 'p-limit';
import type { CarApi } from '../car/car-api.js';
import type { Clock, Sleep } from '../clock.js';
import type { Logger } from '../logger.js';
import { DEFAULT_CLASS } from '../policies/session-classes.js';
import type { RateBudget } from '../rate/rate-budget.js';
import type { Claim, DueReason, Outcome, SessionStore } from '../sessions/session-store.js';
import { CallGate } from './call-gate.js';
import { namedUsers, storeCandidates, type WorkItem } from './candidate-source.js';
import { type CircuitBreaker, waitOutOutage } from './circuit-breaker.js';
import { type DestroyDeps, destroyClaimed } from './destroy-claimed.js';
import type { EventSink } from './event-sink.js';
import { LeasePolicy } from './lease.js';
import { outcomeEvent } from './outcome-events.js';
import { OutcomeRecorder } from './outcome-recorder.js';
import type { OutcomeTally } from './outcome-tally.js';
import { DEFAULT_GIVE_UP_AFTER_MS, DEFAULT_RETRY_MAX_DELAY_MS } from './retry-policy.js';
import { RunClaims } from './run-claims.js';
import { RunControl } from './run-control.js';
import { RunRules } from './run-rules.js';
import { RunStats } from './run-stats.js';
import {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_STORE_CONCURRENCY,
  type ReaperSettings,
} from './settings.js';
import type { ReapOptions, ReapSummary, StopReason } from './types.js';
import { Warner } from './warner.js';
import { WorkQueue } from './work-queue.js';

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
 * One reap cycle: pulls candidates, claims each, destroys it within the
 * limits, records the outcome. Work is bounded: at most 2 x concurrency
 * sessions are claimed and not yet finished, and the next candidate is read
 * only when one of them finishes (backpressure down to the store's pages).
 */
export class ReapRun {
  private readonly stats: RunStats;
  private readonly control = new RunControl();
  private readonly tasks = new Set<Promise<void>>();
  private readonly claims: RunClaims;
  private readonly work: WorkQueue;
  private readonly gate: CallGate;
  private readonly destroyDeps: DestroyDeps;
  /** Caps claims and outcome writes in flight (the store's connection pool is finite). */
  private readonly storeLimit: LimitFunction;
  private readonly deadline: number;
  private readonly lease: LeasePolicy;
  private readonly wouldDestroy: string[] = [];
  private readonly wouldDestroySessions: NonNullable<ReapSummary['wouldDestroySessions']> = [];
  /** Sessions the search found due but exempt. */
  private skippedExempt = 0;
  private readonly recorder: OutcomeRecorder;
  private producing = true;
  private readonly breakerAtStart: { opened: number; failedProbes: number };
  private readonly rules: RunRules;
  /** Warnings of this run (WARN_BEFORE_SECONDS); none for named users or a dry run. */
  private readonly warner: Warner | undefined;

  constructor(
    private readonly deps: ReapRunDeps,
    private readonly options: ReapOptions,
    private readonly userIds: string[] | undefined,
  ) {
    this.stats = new RunStats(deps.clock, options.onProgress);
    this.deadline = options.deadline ?? Number.POSITIVE_INFINITY;
    this.lease = new LeasePolicy(deps.settings, this.deadline);
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
    this.rules = new RunRules(settings, options);
    if (this.rules.warns && !userIds && !options.dryRun) {
      this.warner = new Warner({
        ...deps,
        limit: this.storeLimit,
        policyOf: (sessionClass) => this.rules.policyOf(sessionClass),
        signal: this.control.signal,
      });
    }
    this.work = new WorkQueue({
      clock: deps.clock,
      rules: this.rules,
      warner: this.warner,
      stopped: () => this.control.stopped,
    });
    this.claims = new RunClaims({
      store: deps.store,
      claimant: deps.claimant,
      clock: deps.clock,
      lease: this.lease,
      rules: this.rules,
      warner: this.warner,
      onlyDisconnected: options.onlyDisconnected,
      stats: this.stats,
      storeLimit: this.storeLimit,
      onSettled: () => this.control.notify(),
    });
    this.gate = new CallGate({
      concurrency: deps.concurrency,
      adaptConcurrency: deps.adaptConcurrency,
      quotaRps: settings.quotaRps,
      budget: deps.budget,
      breaker: deps.breaker,
      prepare: () => deps.car.prepare?.(),
      stop: this.control.signal,
      cutoff: (claim) => this.lease.cutoff(claim),
      clock: deps.clock,
    });
    this.destroyDeps = {
      ...deps,
      retryPolicy: {
        maxDelayMs: settings.retryMaxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS,
        giveUpAfterMs: settings.giveUpAfterMs ?? DEFAULT_GIVE_UP_AFTER_MS,
      },
      maxAttempts: settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      onAuthFailure: (failure) => this.control.authFailed(failure, deps.logger),
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
      ...this.rules.thresholds,
      warnMs: this.rules.thresholds.warnMs ?? 0,
      classes: this.rules.classes,
      activityResolutionMs: this.deps.settings.activityResolutionMs,
      pageSize: this.deps.settings.pageSize,
    });
    try {
      await this.produce();
    } catch (error) {
      this.control.fail(error);
    }
    this.producing = false;
    while (this.tasks.size > 0) await Promise.all([...this.tasks]);
    await this.deps.tally?.flush?.();
    await this.warner?.settled();
    finished.abort();
    this.options.signal?.removeEventListener('abort', onAbort);
    this.stats.progress(true);
    const summary = this.summary(clock() - startedAt);
    const { fatal } = this.control;
    if (fatal !== undefined) {
      logger.error('reap failed', { ...summary, error: String(fatal) });
      throw fatal;
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
    const source = this.userIds
      ? namedUsers(this.userIds)
      : storeCandidates(store, {
          now: clock(),
          ...this.rules.thresholds,
          activityResolutionMs: settings.activityResolutionMs,
          classes: this.rules.classes,
          onExempt: () => {
            this.skippedExempt++;
          },
          pageSize: settings.pageSize,
        });
    this.work.open(source);
    try {
      await this.produceFrom();
    } finally {
      await this.work.close();
    }
  }

  private async produceFrom(): Promise<void> {
    const { clock } = this.deps;
    const o = this.options;
    for (;;) {
      // Waits for room before taking: an item taken stays here, where no slot can get it.
      while (this.tasks.size >= 2 * this.gate.concurrency && !this.control.stopped) {
        await this.control.nextChange();
      }
      const item = await this.work.take();
      if (item === undefined) break;
      if (clock() >= this.deadline) {
        this.halt('deadline');
        break;
      }
      if (o.limit !== undefined && (await this.atLimit(o.limit))) {
        this.control.reason ??= 'limit';
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
      // Claims nothing new while the breaker holds calls back (claims made wait in their tasks).
      const outage = await waitOutOutage(this.deps.breaker, {
        failedProbesBefore: this.breakerAtStart.failedProbes,
        deadline: this.deadline,
        stopped: () => this.control.stopped,
        signal: this.control.signal,
        clock,
        sleep: this.deps.sleep,
      });
      if (outage === 'outage') this.halt('outage');
      if (this.control.stopped) break;
      this.stats.candidates++;
      this.spawn(item);
    }
  }

  /** The next session found, for a rate slot whose claim was lost. */
  private async handOn(): Promise<WorkItem | undefined> {
    const item = await this.work.take();
    if (item) this.stats.candidates++;
    return item;
  }

  /** Whether the run has claimed its `limit` (waiting out claims still in flight). */
  private async atLimit(limit: number): Promise<boolean> {
    for (;;) {
      const taken = this.options.dryRun ? this.wouldDestroy.length : this.stats.claimed;
      if (taken + this.claims.pending < limit) return false;
      if (this.claims.pending === 0) return true;
      await this.control.nextChange();
    }
  }

  private spawn(item: WorkItem): void {
    void this.gate.whenReady(); // overlaps the claim write
    const task: Promise<void> = this.handle(item)
      .catch((error) => this.control.fail(error))
      .finally(() => {
        this.tasks.delete(task);
        this.control.notify();
      });
    this.tasks.add(task);
  }

  private async handle(item: WorkItem): Promise<void> {
    const atSlot =
      this.options.limit === undefined ? this.claims.atSlot(item, () => this.handOn()) : undefined;
    const target = atSlot ?? (await this.claims.now(item));
    if (target === undefined) {
      this.stats.progress();
      return;
    }
    const ending = await destroyClaimed(target, this.gate, this.destroyDeps, this.stats);
    if (ending) {
      const { claim, outcome } = ending;
      if (!(await this.recorder.record(claim, outcome))) this.stats.unrecorded++;
      else {
        const reason = (atSlot?.item ?? item).candidate?.reason;
        await this.countOutcome(claim, outcome, reason);
        const event = outcomeEvent(claim, outcome);
        if (event) this.deps.events.publish(event);
      }
    }
    this.stats.progress();
  }

  /** Adds a recorded outcome to the report's counts, under the rules this run applied to its class. */
  private async countOutcome(claim: Claim, outcome: Outcome, candidateReason?: DueReason) {
    const { tally } = this.deps;
    if (!tally) return;
    const policy = this.rules.tallyPolicyOf(claim.previous.class);
    const { trigger } = this.options;
    await this.storeLimit(() => tally.count({ claim, outcome, candidateReason, trigger, policy }));
  }

  /** Stops claiming, unless the deadline comes after the run finished its work. */
  private halt(reason: StopReason): void {
    if (reason === 'deadline' && !this.producing && this.tasks.size === 0) return;
    this.control.halt(reason);
  }

  private summary(durationMs: number): ReapSummary {
    const summary = this.stats.summary(durationMs, {
      trigger: this.options.trigger,
      breakerOpened: this.deps.breaker.opened - this.breakerAtStart.opened,
      dryRun: this.options.dryRun ?? false,
      concurrency: this.gate.concurrency,
    });
    if (this.warner) summary.warned = this.warner.warned;
    if (this.warner) summary.awaitingWarning = this.work.awaitingWarning;
    if (this.control.reason) summary.stoppedAt = this.control.reason;
    if (this.options.dryRun) {
      summary.wouldDestroy = [...this.wouldDestroy];
      summary.wouldDestroySessions = [...this.wouldDestroySessions];
    }
    if (!this.userIds) summary.skippedExempt = this.skippedExempt;
    if (this.control.authError) summary.error = this.control.authError;
    return summary;
  }
}
