import { randomBytes } from 'node:crypto';
import { createWebhookClient, type WebhookClient } from '../client/webhook-client.js';
import type { Config } from '../config.js';
import { type CarEmulator, startCarEmulator } from '../emulator/index.js';
import { loadConfig } from '../load-config.js';
import type { Logger } from '../logger.js';
import { type CliServices, type ServicesFactory, webhookDeps } from '../services.js';
import { ActivitySimulator } from './activity-simulator.js';
import { DemoClients } from './demo-clients.js';
import { planDemo } from './demo-plan.js';
import { seedDemo } from './demo-seed.js';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.js';
import { type LocalSecrets, localSecrets } from './local-credentials.js';
import { serveWebhooks, type WebhookServer } from './webhook-server.js';

/** Options of {@link startLocalStack} (the `car-reaper local` flags). */
export interface LocalStackOptions {
  /** Environment the settings come from; DynamoDB and CAR endpoints and secrets are filled in. */
  env: Record<string, string | undefined>;
  /** Demo sessions to seed. @default 2000 */
  sessions?: number;
  /** Short demo timeouts, so things happen within a minute. @default 30 */
  idleTimeoutSeconds?: number;
  /** @default 10 */
  disconnectGraceSeconds?: number;
  /** `session.warning` this long before a session is due; 0 = no warnings. @default 10 */
  warnBeforeSeconds?: number;
  /** Emulator's DestroySession quota, and the reaper's. @default 100 */
  rate?: number;
  /** Webhook server port. @default 0 (any free port) */
  webhookPort?: number;
  /** How often the connected demo users send a heartbeat. @default 5000 */
  heartbeatMs?: number;
  /** Where progress lines go (listening lines included). */
  print: (line: string) => void;
  /** Logs of the webhook handlers. */
  logger: Logger;
}

/** The running stack; `stop()` ends every part (the JVM included) and is safe to call twice. */
export interface LocalStack {
  config: Config;
  secrets: LocalSecrets;
  dynamo: DynamoDbLocal;
  emulator: CarEmulator;
  webhook: WebhookServer;
  services: CliServices;
  simulator: ActivitySimulator;
  /** The demo's clients: they receive the events, and half of the warned users answer. */
  clients: DemoClients;
  /** The demo's users (all live in the emulator at start). */
  userIds: string[];
  stop(): Promise<void>;
}

/**
 * Brings up DynamoDB Local and the CAR emulator on free ports, creates the
 * table, seeds the demo (table and emulator), serves the webhooks and starts
 * the connected users' heartbeats. On failure it stops what it started.
 */
export async function startLocalStack(
  options: LocalStackOptions,
  factory: ServicesFactory,
): Promise<LocalStack> {
  const sessions = options.sessions ?? 2000;
  const rate = options.rate ?? 100;
  const secrets = localSecrets(options.env);
  const stops: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch {
        // Keep stopping the rest: the JVM above all must not be left behind.
      }
    }
  };
  try {
    const dynamo = await startDynamoDbLocal();
    stops.push(() => dynamo.stop());
    options.print(`DynamoDB Local (java pid ${dynamo.pid})`);
    options.print(`listening on ${dynamo.endpoint}`);

    const emulator = await startCarEmulator({
      port: 0,
      credentials: { secretId: secrets.secretId, secretKey: secrets.secretKey },
      rate,
      seats: Math.max(100, sessions + 500),
    });
    stops.push(() => emulator.stop());
    options.print(`CAR emulator (DestroySession quota ${rate}/s)`);
    options.print(`listening on ${emulator.url}`);

    // The demo's clients receive the reaper's events; half of the warned users answer.
    const eventsSecret = `whsec_${randomBytes(32).toString('base64')}`;
    let answerClient: WebhookClient | undefined;
    const clients = new DemoClients({
      secret: eventsSecret,
      answer: async (userId) => {
        await answerClient?.heartbeat([userId]);
      },
    });
    await clients.start();
    stops.push(() => clients.stop());
    options.print("demo clients (receive the reaper's events)");
    options.print(`listening on ${clients.url.replace(/\/events$/, '')}`);

    const config = loadConfig({
      ...options.env,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      CAR_ENDPOINT: emulator.url,
      TENCENTCLOUD_SECRET_ID: secrets.secretId,
      TENCENTCLOUD_SECRET_KEY: secrets.secretKey,
      TENCENTCLOUD_SESSION_TOKEN: undefined,
      WEBHOOK_SECRET: secrets.webhookSecret,
      CAR_QUOTA_RPS: String(rate),
      IDLE_TIMEOUT_SECONDS: String(options.idleTimeoutSeconds ?? 30),
      DISCONNECT_GRACE_SECONDS: String(options.disconnectGraceSeconds ?? 10),
      MAX_SESSION_AGE_SECONDS: '0',
      // The demo's 30 s idle timeout with a resolution to match (the default is 30 s).
      ACTIVITY_RESOLUTION_SECONDS: options.env.ACTIVITY_RESOLUTION_SECONDS ?? '10',
      WARN_BEFORE_SECONDS: String(
        options.warnBeforeSeconds ??
          Math.min(10, Math.floor((options.idleTimeoutSeconds ?? 30) / 3)),
      ),
      EVENTS_WEBHOOK_URL: clients.url,
      EVENTS_WEBHOOK_SECRET: eventsSecret,
    });
    const services = factory(config);
    stops.push(() => services.close());
    await services.ensureTable();

    const now = Date.now();
    const plan = planDemo({
      sessions,
      now,
      // A session is idle once the timeout and the resolution have passed.
      idleTimeoutMs: (config.idleTimeoutSeconds + config.activityResolutionSeconds) * 1000,
      disconnectGraceMs: config.disconnectGraceSeconds * 1000,
    });
    const userIds = await seedDemo(services.store(), plan, now);
    // Seeded straight into the emulator: 2,000 CreateSession calls would take 20 s of its quota.
    emulator.seedSessions(userIds);

    let simulator: ActivitySimulator | undefined;
    const deps = webhookDeps(services, options.logger);
    const { store } = deps;
    const webhook = await serveWebhooks(
      {
        ...deps,
        store: {
          recordActivity: (ids, at, options) => store.recordActivity(ids, at, options),
          // A user who disconnects stops sending heartbeats, like a closed tab.
          recordDisconnect: (userId, at) => {
            simulator?.leave(userId);
            return store.recordDisconnect(userId, at);
          },
          get: (userId) => store.get(userId),
        },
      },
      options.webhookPort ?? 0,
    );
    stops.push(() => webhook.close());
    options.print('webhooks POST /disconnect, POST /heartbeat');
    options.print(`listening on ${webhook.url}`);

    answerClient = createWebhookClient({ url: webhook.url, secret: secrets.webhookSecret });
    simulator = new ActivitySimulator(
      createWebhookClient({ url: webhook.url, secret: secrets.webhookSecret }),
      plan.active,
      options.heartbeatMs ?? 5000,
    );
    const activeUsers = simulator;
    stops.push(() => activeUsers.stop());
    simulator.start();

    return {
      config,
      secrets,
      dynamo,
      emulator,
      webhook,
      services,
      simulator,
      clients,
      userIds,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
