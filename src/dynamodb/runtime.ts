import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CarApi } from '../car/car-api.js';
import { lazyCarApi } from '../car/lazy-car-api.js';
import type { TencentCarApiOptions, TencentCredentials } from '../car/tencent-car-api.js';
import { type Clock, realSleep, type Sleep, systemClock } from '../clock.js';
import type { Config } from '../config.js';
import type { LiveSessionCounts } from '../drift/drift.js';
import { createEventSink } from '../events/create-event-sink.js';
import { MemoryOutbox } from '../events/outbox.js';
import { type Logger, silentLogger } from '../logger.js';
import type { SharedBudgetStats } from '../rate/budget-stats.js';
import type { RateBudget } from '../rate/rate-budget.js';
import { SharedRateBudget } from '../rate/shared-rate-budget.js';
import { type EventSink, noEvents } from '../reaper/event-sink.js';
import { createReaper, engineLimiter } from '../reaper/reaper.js';
import type { ReaperSettings } from '../reaper/settings.js';
import type { Reaper } from '../reaper/types.js';
import type { ExemptionStore, SessionStore } from '../sessions/session-store.js';
import { type DeliveryLog, MemoryDeliveryLog } from '../webhook/delivery-log.js';
import { DynamoDbSlotStore } from './budget-slot-store.js';
import { createDynamoDbClient, endpointOf } from './client.js';
import { DynamoDbDeliveryLog } from './delivery-log.js';
import type { DynamoDbSessionStore } from './dynamodb-session-store.js';
import { DynamoDbOutbox } from './event-outbox.js';
import { countLiveSessions } from './live-sessions.js';
import { DynamoDbOutcomeCounts } from './outcome-counts.js';
import { sessionStoreFor } from './session-store-for.js';

/** Everything a trigger (Lambda function, CLI command, local stack) needs, wired from config. */
export interface Runtime {
  config: Config;
  store: SessionStore;
  /** Exemptions on the sessions (when the runtime built the store). */
  exemptions?: ExemptionStore;
  /** The CAR client; built on first use, so store-only commands need no Tencent credentials. */
  car: CarApi;
  reaper: Reaper;
  /** One budget for every run in this process: they all draw on one quota. */
  budget: RateBudget;
  /** What the shared budget has done so far (when the budget is the shared one). */
  budgetStats?: () => SharedBudgetStats;
  /** Webhook delivery ids (in the sessions table when the sessions are there). */
  deliveries: DeliveryLog;
  /** Outcome counts for `car-reaper report` (when the sessions are in the table). */
  outcomeCounts?: DynamoDbOutcomeCounts;
  /** Counts the table's live sessions (when the sessions are in the table). */
  liveSessions?: () => Promise<LiveSessionCounts>;
  /** Where the reaper publishes its events (EVENTS_WEBHOOK_URL, EVENT_BUS_NAME). */
  events: EventSink;
  /**
   * The sessions table's DynamoDB client, built on first use (creating the
   * table is the CLI's business: table-definition.ts, kept out of the functions).
   */
  table(): DynamoDBClient;
  /** Closes the clients' keep-alive sockets (the CLI exits cleanly after it). */
  close(): Promise<void>;
}

/** Replacements for the parts {@link createRuntime} would build (tests, Lambda glue). */
export interface RuntimeOverrides {
  /** A store of the caller's (an in-memory fake, a decorated store). */
  store?: SessionStore;
  /**
   * Where the sessions are. `table`: the shared budget, the delivery log, the
   * outcome counts and the event outbox sit in the sessions table beside
   * them. `memory`: they stay in this process.
   * @default 'table' when the runtime builds the store, 'memory' when `store` is given
   */
  sessionsIn?: 'table' | 'memory';
  car?: CarApi;
  budget?: RateBudget;
  /**
   * `shared`: one DestroySession budget for every process, kept in the
   * sessions table (src/rate), webhook and named destroys on its priority
   * lane; it falls back to a local share when the table cannot be reached.
   * `local`: this process's own limiter at the whole quota (one process only).
   * @default 'shared' when the sessions are in the table, else 'local'
   */
  budgetMode?: 'shared' | 'local';
  /** @default in the sessions table when they are there, else in memory */
  deliveries?: DeliveryLog;
  clock?: Clock;
  sleep?: Sleep;
  logger?: Logger;
  /** @default the sinks the config names (webhook, EventBridge), or none */
  events?: EventSink;
  /**
   * Tencent credentials for the CAR client: a static pair, or a provider
   * called before each request (the Lambda reads them from SSM).
   * @default TENCENTCLOUD_SECRET_ID / _KEY / _SESSION_TOKEN from config
   */
  credentials?: TencentCredentials | TencentCarApiOptions['credentials'];
  /** Engine settings beyond the config (e.g. a short lease in tests). */
  reaper?: Partial<
    Pick<
      ReaperSettings,
      'leaseMs' | 'leaseMarginMs' | 'maxAttempts' | 'claimant' | 'pageSize' | 'storeConcurrency'
    >
  >;
}

/**
 * Wires the DynamoDB session store, the Tencent CAR client (CAR_ENDPOINT,
 * CAR_TIMEOUT_MS), the rate budget (CAR_QUOTA_RPS: shared across processes
 * in the table, see budgetMode) and the reaper
 * (policies from IDLE_TIMEOUT_SECONDS etc., in ms, and the session classes of
 * POLICIES_FILE) from one parsed config.
 * Missing Tencent credentials fail with a ConfigError naming the variable
 * when the CAR client is first needed (a reap that is not a dry run), not
 * here: `touch`, `table create` and the webhooks run without them.
 */
export function createRuntime(config: Config, overrides: RuntimeOverrides = {}): Runtime {
  const clock = overrides.clock ?? systemClock;
  const sleep = overrides.sleep ?? realSleep;
  const logger = overrides.logger ?? silentLogger;
  const { tableName } = config;
  const endpoint = endpointOf(config);

  // One client for everything kept in the table, made on first use.
  let client: DynamoDBClient | undefined;
  const table = (): DynamoDBClient => {
    client ??= createDynamoDbClient(config);
    return client;
  };
  const ownStore = overrides.store ? undefined : sessionStoreFor(config, table());
  const store = overrides.store ?? (ownStore as DynamoDbSessionStore);
  const inTable = (overrides.sessionsIn ?? (ownStore ? 'table' : 'memory')) === 'table';
  const car = lazyCarApi(config, overrides);

  const budgetMode = overrides.budgetMode ?? (inTable ? 'shared' : 'local');
  const shared =
    !overrides.budget && budgetMode === 'shared'
      ? new SharedRateBudget(new DynamoDbSlotStore({ client: table(), tableName }), {
          quota: config.carQuotaRps,
          clock,
          sleep,
          logger,
        })
      : undefined;
  const budget = overrides.budget ?? shared ?? engineLimiter(config.carQuotaRps, clock, sleep);
  const outcomeCounts = inTable
    ? new DynamoDbOutcomeCounts({ client: table(), tableName, logger })
    : undefined;
  // Undelivered events wait in the sessions table (an in-memory store keeps them in memory).
  const outbound =
    !overrides.events && (config.eventsWebhook || config.eventBusName)
      ? createEventSink(config, {
          outbox: inTable
            ? new DynamoDbOutbox({ client: table(), tableName, clock })
            : new MemoryOutbox(),
          clock,
          logger,
        })
      : undefined;
  const events = overrides.events ?? outbound?.sink ?? noEvents;
  const deliveries =
    overrides.deliveries ??
    (inTable
      ? new DynamoDbDeliveryLog({ client: table(), tableName, endpoint })
      : new MemoryDeliveryLog());

  // Webhook and named destroys take the shared budget's priority lane (createReaper).
  const reaper = createReaper({
    store,
    car,
    tally: outcomeCounts,
    budget,
    clock,
    sleep,
    logger,
    events,
    settings: {
      idleTimeoutMs: config.idleTimeoutSeconds * 1000,
      disconnectGraceMs: config.disconnectGraceSeconds * 1000,
      maxAgeMs: config.maxSessionAgeSeconds * 1000,
      classes: config.classes,
      activityResolutionMs: config.activityResolutionSeconds * 1000,
      quotaRps: config.carQuotaRps,
      concurrency: config.carConcurrency,
      retryMaxDelayMs: config.retryMaxDelaySeconds * 1000,
      giveUpAfterMs: config.giveUpAfterSeconds * 1000,
      warnBeforeMs: config.warnBeforeSeconds * 1000,
      ...overrides.reaper,
    },
  });

  return {
    config,
    store,
    ...(ownStore ? { exemptions: ownStore } : {}),
    car,
    reaper,
    budget,
    ...(shared ? { budgetStats: () => shared.stats() } : {}),
    deliveries,
    ...(outcomeCounts
      ? {
          outcomeCounts,
          liveSessions: async () => (await countLiveSessions(table(), tableName)).counts,
        }
      : {}),
    events,
    table,
    close: async () => {
      outbound?.close();
      await car.close();
      client?.destroy();
    },
  };
}
