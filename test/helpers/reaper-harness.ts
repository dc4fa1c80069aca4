import type { Logger } from '../../src/logger.js';
import { SlidingWindowLimiter } from '../../src/rate/sliding-window-limiter.js';
import type { EventSink } from '../../src/reaper/event-sink.js';
import { createReaper } from '../../src/reaper/reaper.js';
import type { ReaperSettings } from '../../src/reaper/settings.js';
import type { ReapOptions } from '../../src/reaper/types.js';
import type { Session } from '../../src/sessions/session-store.js';
import { FakeCar, type FakeCarOptions } from './fake-car.js';
import { FakeSessionStore } from './fake-store.js';
import { VirtualTime } from './virtual-time.js';

export const MINUTE = 60_000;

export interface HarnessOptions {
  latencyMs?: FakeCarOptions['latencyMs'];
  /** Quota the fake CAR enforces (none by default). */
  serverQuota?: number;
  settings?: Partial<ReaperSettings>;
  /** Where the engine publishes its events. @default none */
  events?: EventSink;
}

/** A reaper on fakes and virtual time, with builders for sessions. */
export function reaperHarness(options: HarnessOptions = {}) {
  const time = new VirtualTime();
  const store = new FakeSessionStore(time.clock);
  const car = new FakeCar({
    clock: time.clock,
    sleep: time.sleep,
    latencyMs: options.latencyMs ?? 50,
    quota: options.serverQuota,
  });
  const logs: { level: keyof Logger; message: string; fields?: Record<string, unknown> }[] = [];
  const log =
    (level: keyof Logger) =>
    (message: string, fields?: Record<string, unknown>): void => {
      logs.push({ level, message, fields });
    };
  const logger: Logger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
  const settings: ReaperSettings = {
    idleTimeoutMs: 5 * MINUTE,
    disconnectGraceMs: 90_000,
    maxAgeMs: 0,
    quotaRps: 100,
    claimant: 'test-run',
    ...options.settings,
  };
  const budget = new SlidingWindowLimiter({
    quota: settings.quotaRps,
    clock: time.clock,
    sleep: time.sleep,
  });
  /** When each rate slot was taken (virtual time). */
  const slotsTakenAt: number[] = [];
  const take = budget.take.bind(budget);
  budget.take = (signal) => {
    slotsTakenAt.push(time.now);
    return take(signal);
  };
  const reaper = createReaper({
    store,
    car,
    budget,
    clock: time.clock,
    sleep: time.sleep,
    logger,
    random: () => 0.5,
    events: options.events,
    settings,
  });
  const reap = (o: Partial<ReapOptions> = {}) =>
    time.run(reaper.reap({ trigger: 'schedule', ...o }));

  /** `n` sessions idle for `idleMs` (10 minutes by default), ids `${prefix}-0`... */
  const seedIdle = (
    n: number,
    prefix = 'stale',
    idleMs = 10 * MINUTE,
    extra: Partial<Session> = {},
  ) => {
    const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    store.seed(...ids.map((userId) => ({ userId, lastActiveAt: time.now - idleMs, ...extra })));
    return ids;
  };

  return { time, store, car, budget, slotsTakenAt, reaper, reap, logs, settings, seedIdle };
}

export { maxInAnyWindow } from '../../src/emulator/quota.js';
