import type { SharedBudgetStats } from '../budget/shared-rate-budget.js';
import type { CarApi } from '../car/car-api.js';
import { systemClock } from '../clock.js';
import type { Config } from '../config.js';
import type { WebhookDeps } from '../handlers/deps.js';
import type { Logger } from '../logger.js';
import type { Reaper } from '../reaper/types.js';
import type { ReportSource } from '../report/generate-report.js';
import type { ExemptionStore, SessionStore } from '../sessions/session-store.js';

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
 */
export function webhookDeps(services: CliServices, logger: Logger): WebhookDeps {
  return {
    store: services.store(),
    reaper: { reap: (options) => services.reaper().reap(options) },
    config: services.config,
    clock: systemClock,
    logger,
  };
}
