import { randomUUID } from 'node:crypto';
import type { CarApi } from '../car/car-api.js';
import { type Clock, realSleep, type Sleep, systemClock } from '../clock.js';
import { ValidationError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import type { RateBudget } from '../rate/rate-budget.js';
import { SlidingWindowLimiter } from '../rate/sliding-window-limiter.js';
import type { Lane } from '../rate/waiter-queue.js';
import type { SessionStore } from '../sessions/session-store.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { resolveConcurrency } from './concurrency.js';
import { type EventSink, noEvents } from './event-sink.js';
import { completedEvent } from './outcome-events.js';
import type { OutcomeTally } from './outcome-tally.js';
import { ReapRun } from './reap-run.js';
import { type ReaperSettings, validateSettings } from './settings.js';
import type { Reaper, ReapOptions, ReapSummary } from './types.js';
import { validateReapOptions } from './validate-options.js';

export type { ReaperSettings } from './settings.js';

/** Longest wait for event deliveries at the end of a run, by default. */
const DEFAULT_EVENTS_FLUSH_MS = 10_000;
/** Longest wait for event deliveries at the end of a webhook's run. */
const WEBHOOK_EVENTS_FLUSH_MS = 1_000;

/**
 * The lane of a run: a webhook destroy, or a destroy of named sessions
 * (`userIds`, e.g. `car-reaper destroy`), has someone waiting on it and
 * goes first; a sweep of the table (schedule, or a manual `reap`) is bulk.
 */
export function laneOf(options: Pick<ReapOptions, 'trigger' | 'userIds'>): Lane {
  return options.trigger === 'webhook' || options.userIds !== undefined ? 'priority' : 'bulk';
}

/** What the engine is built from: the two ports, and optional seams for tests. */
export interface ReaperDeps {
  store: SessionStore;
  car: CarApi;
  /**
   * Shared by every run of this reaper (schedule, webhook and manual runs in
   * one process draw on one quota). @default a SlidingWindowLimiter at quotaRps
   */
  budget?: RateBudget;
  /** @default systemClock */
  clock?: Clock;
  /** @default realSleep */
  sleep?: Sleep;
  /** @default silentLogger */
  logger?: Logger;
  /** Source of backoff jitter, in [0, 1). @default Math.random */
  random?: () => number;
  /** Where warnings and outcomes are published. @default none */
  events?: EventSink;
  settings: ReaperSettings;
  /** Counts final outcomes for `car-reaper report`. @default none */
  tally?: OutcomeTally;
}

/**
 * The reaper engine: finds due sessions (or takes named ones), claims each,
 * calls DestroySession within the concurrency cap and the rate budget, and
 * records every outcome. Settings are checked here, run options at each run;
 * a bad value throws a ValidationError naming it.
 */
/**
 * This process's own budget as the engine uses it: the engine tells each
 * grant when its call leaves, so the limiter logs departures and needs no
 * wider window for late timers (`departuresReported`).
 */
export const engineLimiter = (quota: number, clock: Clock, sleep: Sleep): SlidingWindowLimiter =>
  new SlidingWindowLimiter({ quota, clock, sleep, departuresReported: true });

export function createReaper(deps: ReaperDeps): Reaper {
  const { settings } = deps;
  validateSettings(settings);
  const warns =
    (settings.warnBeforeMs ?? 0) > 0 ||
    (settings.classes?.namedClasses ?? []).some(
      (name) => (settings.classes?.overridesOf(name).warnBeforeSeconds ?? 0) > 0,
    );
  if (warns && (!deps.store.findWarnable || !deps.store.markWarned)) {
    throw new ValidationError('warnBeforeMs', 'needs a session store that records warnings');
  }
  const events = deps.events ?? noEvents;
  const clock = deps.clock ?? systemClock;
  const sleep = deps.sleep ?? realSleep;
  const budget: RateBudget = deps.budget ?? engineLimiter(settings.quotaRps, clock, sleep);
  const concurrency = resolveConcurrency(settings.quotaRps, settings.concurrency);
  // A budget with lanes: each lane has its own breaker, so a sweep's failures never hold back
  // a webhook's destroy, and its own view of the budget.
  const lanes = budget.lane
    ? {
        priority: { budget: budget.lane('priority'), breaker: new CircuitBreaker({ clock }) },
        bulk: { budget: budget.lane('bulk'), breaker: new CircuitBreaker({ clock }) },
      }
    : undefined;
  const single = { budget, breaker: new CircuitBreaker({ clock }) };
  return {
    async reap(options: ReapOptions): Promise<ReapSummary> {
      // Fail before claiming anything if the run could never call CAR.
      if (!options.dryRun) await deps.car.ensureReady?.();
      const userIds = validateReapOptions(options);
      const { budget: runBudget, breaker } = lanes?.[laneOf(options)] ?? single;
      const live = !options.dryRun;
      // A webhook's run leaves what it could not deliver to the scheduled runs.
      if (live && options.trigger !== 'webhook') events.resume?.();
      const run = new ReapRun(
        {
          store: deps.store,
          car: deps.car,
          budget: runBudget,
          clock,
          sleep,
          logger: deps.logger ?? silentLogger,
          random: deps.random ?? Math.random,
          events: live ? events : noEvents,
          settings,
          breaker,
          concurrency,
          adaptConcurrency: settings.concurrency === undefined,
          claimant: settings.claimant ?? `reaper-${randomUUID().slice(0, 8)}`,
          tally: deps.tally,
        },
        options,
        userIds,
      );
      let summary: ReapSummary | undefined;
      try {
        summary = await run.execute();
        if (live) events.publish(completedEvent(summary, clock()));
      } finally {
        if (live && events !== noEvents) {
          // A webhook's caller waits for the answer: what is not delivered soon waits in the outbox.
          const flushMs = Math.min(
            settings.eventsFlushMs ?? DEFAULT_EVENTS_FLUSH_MS,
            options.trigger === 'webhook' ? WEBHOOK_EVENTS_FLUSH_MS : Infinity,
          );
          const report = await events.flush(
            Math.min(clock() + flushMs, (options.deadline ?? Infinity) + flushMs / 2),
          );
          if (summary) summary.events = report;
        }
      }
      return summary;
    },
  };
}
