import { setMaxListeners } from 'node:events';
import pLimit, { type LimitFunction } from 'p-limit';
import type { CarApi, CarFailure } from '../car/car-api.js';
import type { Clock, Sleep } from '../clock.js';
import type { Logger } from '../logger.js';
import type { OutcomeTally } from '../report/tallied-outcome.js';
import type {
  Claim,
  ClaimResult,
  DueReason,
  Outcome,
  SessionStore,
} from '../sessions/session-store.js';
import { namedUsers, storeCandidates, type WorkItem } from './candidate-source.js';
import { LatencyTracker } from './concurrency.js';
import { type DestroyContext, destroyClaimed } from './destroy-claimed.js';
import { LeasePolicy } from './lease.js';
import { OutcomeRecorder } from './outcome-recorder.js';
import type { RateBudget } from './rate-budget.js';
import { RunStats } from './run-stats.js';
import {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_STORE_CONCURRENCY,
  type ReaperSettings,
} from './settings.js';
import type { ReapOptions, ReapSummary, StopReason } from './types.js';

/** What a run needs; built once per reaper by createReaper. */
export interface ReapRunDeps {
  store: SessionStore;
  car: CarApi;
  budget: RateBudget;
  clock: Clock;
  sleep: Sleep;
  logger: Logger;
  random: () => number;
  settings: ReaperSettings;
  /** Calls in flight to start with. */
  concurrency: number;
  /** Raise the concurrency if calls turn out slower than expected (not when configured). */
  adaptConcurrency: boolean;
  claimant: string;
  /** Counts final outcomes for `car-reaper report`. @default none */
  tally?: OutcomeTally;
}

/** The summary counter each verdict adds to (an auth failure releases its claim). */
const COUNTER = {
  destroyed: 'destroyed',
  retry: 'retried',
  failed: 'failed',
  released: 'released',
  auth: 'released',
} as const;

/** Upper bound of the adaptive concurrency. */
const MAX_ADAPTIVE_CONCURRENCY = 256;

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
  private readonly latency: LatencyTracker;
  private readonly recorder: OutcomeRecorder;
  private readonly ctx: DestroyContext;
  private producing = true;

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
    let carReady: Promise<void> | undefined;
    this.ctx = {
      car: deps.car,
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
    try {
      await this.produce();
    } catch (error) {
      this.fail(error);
    }
    this.producing = false;
    while (this.tasks.size > 0) await Promise.all([...this.tasks]);
    await this.deps.tally?.flush?.();
    finished.abort();
    this.options.signal?.removeEventListener('abort', onAbort);
    this.stats.progress(true);
    const summary = this.summary(clock() - startedAt);
    if (this.fatal !== undefined) {
      logger.error('reap failed', { ...summary, error: String(this.fatal) });
      throw this.fatal;
    }
    // Debug: each trigger's own line (the reap function's, serve's) reports the run at info.
    const { wouldDestroy, ...figures } = summary;
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
          idleTimeoutMs: o.idleTimeoutMs ?? settings.idleTimeoutMs,
          disconnectGraceMs: o.disconnectGraceMs ?? settings.disconnectGraceMs,
          maxAgeMs: o.maxAgeMs ?? settings.maxAgeMs,
          pageSize: settings.pageSize,
        });
    for await (const item of source) {
      if (this.stopped()) break;
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
        continue;
      }
      while (this.tasks.size >= 2 * this.callLimit.concurrency && !this.stopped()) {
        await this.nextChange();
      }
      if (this.stopped()) break;
      this.stats.candidates++;
      this.spawn(item);
    }
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
    this.claimsPending++;
    try {
      result = await this.storeLimit(() => {
        const now = clock();
        const claimOptions = {
          now,
          leaseMs: this.lease.leaseFor(now),
          claimant: this.deps.claimant,
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
      this.stats.skipped++;
      this.stats.progress();
      return;
    }
    this.stats.claimed++;
    const verdict = await destroyClaimed(result.claim, this.ctx);
    const counter = COUNTER[verdict.kind];
    this.stats[counter]++;
    if (!(await this.recorder.record(result.claim, verdict.outcome))) this.stats.unrecorded++;
    else await this.countOutcome(result.claim, verdict.outcome, item.candidate?.reason);
    this.stats.progress();
  }

  /** Adds a recorded outcome to the report's counts, under the rules this run applied. */
  private async countOutcome(claim: Claim, outcome: Outcome, candidateReason?: DueReason) {
    const { tally, settings } = this.deps;
    if (!tally) return;
    const o = this.options;
    const policy = {
      idleTimeoutMs: o.idleTimeoutMs ?? settings.idleTimeoutMs,
      disconnectGraceMs: o.disconnectGraceMs ?? settings.disconnectGraceMs,
      maxAgeMs: o.maxAgeMs ?? settings.maxAgeMs,
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
      retried: s.retried,
      failed: s.failed,
      throttled: s.throttled,
      skipped: s.skipped,
      dryRun: this.options.dryRun ?? false,
      durationMs,
      achievedRps: durationMs > 0 ? Math.round((s.calls * 100_000) / durationMs) / 100 : 0,
      calls: s.calls,
      released: s.released,
      unrecorded: s.unrecorded,
      concurrency: this.callLimit.concurrency,
    };
    if (this.stopReason) summary.stoppedAt = this.stopReason;
    if (this.options.dryRun) summary.wouldDestroy = [...this.wouldDestroy];
    if (this.authError) summary.error = this.authError;
    return summary;
  }
}
