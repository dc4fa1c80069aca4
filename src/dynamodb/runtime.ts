import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CarApi } from '../car/car-api.js';
import type {
  TencentCarApi,
  TencentCarApiOptions,
  TencentCredentials,
} from '../car/tencent-car-api.js';
import { type Clock, realSleep, type Sleep, systemClock } from '../clock.js';
import { type Config, requireTencentCredentials } from '../config.js';
import type { LiveSessionCounts } from '../drift/drift.js';
import { createEventSink } from '../events/create-event-sink.js';
import { MemoryOutbox } from '../events/outbox.js';
import { type Logger, silentLogger } from '../logger.js';
import type { RateBudget } from '../rate/rate-budget.js';
import { SharedRateBudget } from '../rate/shared-rate-budget.js';
import { SlidingWindowLimiter } from '../rate/sliding-window-limiter.js';
import { type EventSink, noEvents } from '../reaper/event-sink.js';
import { routeReapsByLane } from '../reaper/lane-routed-reaper.js';
import { createReaper } from '../reaper/reaper.js';
import type { ReaperSettings } from '../reaper/settings.js';
import type { Reaper } from '../reaper/types.js';
import type { SessionStore } from '../sessions/session-store.js';
import { type DeliveryLog, MemoryDeliveryLog } from '../webhook/delivery-log.js';
import { DynamoDbSlotStore } from './budget-slot-store.js';
import { createDynamoDbClient, endpointOf } from './client.js';
import { DynamoDbDeliveryLog } from './delivery-log.js';
import { DynamoDbSessionStore, dueIndexStepFor } from './dynamodb-session-store.js';
import { DynamoDbOutbox } from './event-outbox.js';
import { countLiveSessions } from './live-sessions.js';
import { DynamoDbOutcomeCounts } from './outcome-counts.js';

/** Everything a trigger (Lambda function, CLI command, local stack) needs, wired from config. */
export interface Runtime {
  config: Config;
  store: SessionStore;
  /** The CAR client; built on first use, so store-only commands need no Tencent credentials. */
  car: CarApi;
  reaper: Reaper;
  /** One budget for every run in this process: they all draw on one quota. */
  budget: RateBudget;
  /** Webhook delivery ids (in the sessions table when the sessions are in DynamoDB). */
  deliveries: DeliveryLog;
  /** Outcome counts for `car-reaper report` (when the sessions are in DynamoDB). */
  outcomeCounts?: DynamoDbOutcomeCounts;
  /** Counts the table's live sessions (when the sessions are in DynamoDB). */
  liveSessions?: () => Promise<LiveSessionCounts>;
  /** Where the reaper publishes its events (EVENTS_WEBHOOK_URL, EVENT_BUS_NAME). */
  events: EventSink;
  /** Closes the clients' keep-alive sockets (the CLI exits cleanly after it). */
  close(): Promise<void>;
}

/** Replacements for the parts {@link createRuntime} would build (tests, Lambda glue). */
export interface RuntimeOverrides {
  store?: SessionStore;
  car?: CarApi;
  budget?: RateBudget;
  /**
   * `shared`: one DestroySession budget for every process, kept in the
   * sessions table (src/rate), webhook and named destroys on its priority
   * lane; it falls back to a local share when the table cannot be reached.
   * `local`: this process's own limiter at the whole quota (one process only).
   * @default 'shared' when the sessions are in DynamoDB (the runtime's own store or a
   * DynamoDbSessionStore given), else 'local' (an in-memory store in tests)
   */
  budgetMode?: 'shared' | 'local';
  /** @default in the sessions table when they are in DynamoDB, else in memory */
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

  let client: DynamoDBClient | undefined;
  let store = overrides.store;
  if (!store) {
    client = createDynamoDbClient(config);
    store = new DynamoDbSessionStore({
      client,
      tableName: config.tableName,
      dueIndexStepMs: dueIndexStepFor(config.activityResolutionSeconds * 1000),
    });
  }

  // The Tencent SDK is loaded on first use: heartbeat and disconnect functions
  // (and store-only commands) never pay for importing it at cold start.
  let tencent: Promise<TencentCarApi> | undefined;
  const carClient = (): Promise<CarApi> => {
    if (overrides.car) return Promise.resolve(overrides.car);
    if (!tencent) {
      const credentials = overrides.credentials ?? requireTencentCredentials(config);
      tencent = import('../car/tencent-car-api.js').then(({ createTencentCarApi }) =>
        createTencentCarApi({
          endpoint: config.carEndpoint,
          timeoutMs: config.carTimeoutMs,
          credentials,
        }),
      );
    }
    return tencent;
  };
  const car: CarApi = {
    destroySession: async (userId) => (await carClient()).destroySession(userId),
    describeConcurrentCount: async () => (await carClient()).describeConcurrentCount(),
    // Loads the SDK (and asks the credentials) before the first rate token is taken.
    prepare: async () => {
      try {
        await (await carClient()).prepare?.();
      } catch {
        // Missing credentials: the first call reports them.
      }
    },
  };

  // Shared whenever the sessions live in DynamoDB (the budget item sits in their table).
  const inDynamoDb = !overrides.store || overrides.store instanceof DynamoDbSessionStore;
  const budgetMode = overrides.budgetMode ?? (inDynamoDb ? 'shared' : 'local');
  let budgetClient: DynamoDBClient | undefined;
  if (!overrides.budget && budgetMode === 'shared') {
    budgetClient = client ?? createDynamoDbClient(config);
  }
  const shared = budgetClient
    ? new SharedRateBudget(
        new DynamoDbSlotStore({ client: budgetClient, tableName: config.tableName }),
        { quota: config.carQuotaRps, clock, sleep, logger },
      )
    : undefined;
  const budget =
    overrides.budget ??
    shared ??
    new SlidingWindowLimiter({ quota: config.carQuotaRps, clock, sleep });
  // Outcome counts and live-session counts sit in the sessions table too.
  const countsClient = inDynamoDb
    ? (client ?? budgetClient ?? createDynamoDbClient(config))
    : undefined;
  const outcomeCounts = countsClient
    ? new DynamoDbOutcomeCounts({ client: countsClient, tableName: config.tableName, logger })
    : undefined;
  // Undelivered events wait in the sessions table (an in-memory store keeps them in memory).
  const wantsEvents = !overrides.events && (config.eventsWebhook || config.eventBusName);
  const outbound = wantsEvents
    ? createEventSink(config, {
        outbox: countsClient
          ? new DynamoDbOutbox({ client: countsClient, tableName: config.tableName, clock })
          : new MemoryOutbox(),
        clock,
        logger,
      })
    : undefined;
  const events = overrides.events ?? outbound?.sink ?? noEvents;
  const build = (runBudget: RateBudget) =>
    createReaper({
      store,
      car,
      tally: outcomeCounts,
      budget: runBudget,
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
  let deliveryClient: DynamoDBClient | undefined;
  let deliveries = overrides.deliveries;
  if (!deliveries && inDynamoDb) {
    deliveryClient = client ?? budgetClient ?? createDynamoDbClient(config);
    deliveries = new DynamoDbDeliveryLog({
      client: deliveryClient,
      tableName: config.tableName,
      endpoint: endpointOf(config),
    });
  }
  deliveries ??= new MemoryDeliveryLog();
  const engine = shared ? routeReapsByLane(shared, build) : build(budget);
  const reaper: Reaper = {
    reap: async (options) => {
      // Fail before claiming anything if the run could never call CAR.
      if (!options.dryRun) await carClient();
      return engine.reap(options);
    },
  };

  return {
    config,
    store,
    car,
    reaper,
    budget,
    deliveries,
    ...(countsClient
      ? {
          outcomeCounts,
          liveSessions: async () =>
            (await countLiveSessions(countsClient, config.tableName)).counts,
        }
      : {}),
    events,
    close: async () => {
      outbound?.close();
      if (tencent) (await tencent).close();
      client?.destroy();
      if (budgetClient !== client) budgetClient?.destroy();
      if (deliveryClient !== client && deliveryClient !== budgetClient) deliveryClient?.destroy();
      if (
        countsClient !== client &&
        countsClient !== budgetClient &&
        countsClient !== deliveryClient
      ) {
        countsClient?.destroy();
      }
    },
  };
}
