import type { CarApi } from './car/car-api.js';
import { systemClock } from './clock.js';
import type { Config } from './config.js';
import type { WebhookDeps } from './handlers/deps.js';
import { sampledRefusalLog } from './handlers/refusal-log.js';
import type { Logger } from './logger.js';
import type { SharedBudgetStats } from './rate/budget-stats.js';
import type { Reaper } from './reaper/types.js';
import type { ReportSource } from './report/generate-report.js';
import { type ActivityCoalescer, coalesceActivity } from './sessions/activity-coalescer.js';
import type { ExemptionStore, SessionStore } from './sessions/session-store.js';
import { type DeliveryLog, MemoryDeliveryLog } from './webhook/delivery-log.js';

/**
 * What the commands use, built from one {@link Config}. Each part is created on
 * first use, so `status` works without Tencent credentials and `touch` never
 * builds a CAR client.
 */
export interface CliServices {
  readonly config: Config;
  /** Creates the table and its indexes unless they exist; says whether it created it. */
  ensureTable(): Promise<{ created: boolean }>;
  store(): SessionStore;
  /** Exemptions on the same table's sessions. */
  exemptions(): ExemptionStore;
  /** Who runs the command, recorded with an exemption: the AWS principal, or the local user. */
  callerIdentity(): Promise<string>;
  /** Throws a ConfigError naming the variable when credentials are missing. */
  car(): CarApi;
  /** Throws a ConfigError naming the variable when credentials are missing. */
  reaper(): Reaper;
  /** Webhook delivery ids. @default in this process's memory */
  deliveries?(): DeliveryLog;
  /** What the shared DestroySession budget has done so far; undefined if this process has none. */
  rateBudget?(): SharedBudgetStats | undefined;
  /** The outcome counts and live sessions `report` reads. @default none: `report` refuses */
  reportSource?(): ReportSource;
  /** Releases clients and sockets so the process can exit. */
  close(): Promise<void>;
}

/** Builds the services for a configuration (the real one, or fakes in unit tests). */
export type ServicesFactory = (config: Config) => CliServices;

/**
 * The webhook handlers' dependencies from the services. The reaper is built on
 * first use: only an immediate destroy (grace 0) needs Tencent credentials.
 * Activity goes through an {@link ActivityCoalescer}.
 */
export function webhookDeps(services: CliServices, logger: Logger): WebhookDeps {
  const store = services.store();
  // One coalescer per server: its heartbeats cost a write per resolution and user.
  const activity = coalesceActivity(store, services.config);
  return {
    store: {
      recordActivity: (userIds, at, options) => activity.recordActivity(userIds, at, options),
      recordDisconnect: (userId, at) => activity.recordDisconnect(userId, at),
      get: (userId) => store.get(userId),
    },
    deliveries: services.deliveries?.() ?? new MemoryDeliveryLog(),
    reaper: { reap: (options) => services.reaper().reap(options) },
    config: services.config,
    clock: systemClock,
    logger,
    onRefused: sampledRefusalLog({ logger, clock: systemClock }),
  };
}
