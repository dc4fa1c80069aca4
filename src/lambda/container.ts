import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { CarApi } from '../car/car-api.js';
import { type Config, configFrom, type PoliciesReader } from '../config.js';
import type { LiveSessionCounts } from '../drift/drift.js';
import type { TallyTotals } from '../dynamodb/outcome-counts.js';
import { createRuntime } from '../dynamodb/runtime.js';
import type { WebhookDeps } from '../handlers/deps.js';
import type { Logger } from '../logger.js';
import { loadPoliciesFile } from '../policies/policies-parser.js';
import type { Reaper } from '../reaper/types.js';
import { coalesceActivity } from '../sessions/activity-coalescer.js';
import type { DeliveryLog } from '../webhook/delivery-log.js';
import { fromPowertools, METRICS_NAMESPACE, SERVICE_NAME } from './observability.js';
import { ssmParameterSource } from './parameter-source.js';
import { tencentCredentialProvider } from './tencent-credentials.js';
import { type WebhookSecretProvider, webhookSecretProvider } from './webhook-secret.js';

/** Everything a function needs, built once per Lambda container (cold start). */
export interface LambdaContainer {
  config: Config;
  /** The webhooks' store: activity coalesced per warm container (one write per resolution and user). */
  store: WebhookDeps['store'];
  deliveries: DeliveryLog;
  reaper: Reaper;
  car: CarApi;
  /** Counts the table's live sessions (drift and the dashboard). */
  liveSessions?: () => Promise<LiveSessionCounts>;
  /** What this container added to the outcome counts since the last call. */
  takeTotals?: () => TallyTotals;
  logger: Logger;
  powertoolsLogger: PowertoolsLogger;
  metrics: Metrics;
  webhookSecret: WebhookSecretProvider;
}

let container: Promise<LambdaContainer> | undefined;

/**
 * The container's objects, built on first use and reused by warm invocations:
 * configuration parsed once (a bad variable fails every invocation with its
 * name), one DynamoDB client, one CAR client and one rate budget per container.
 * A failed build is not kept, so a transient failure does not poison the container.
 */
export function lambdaContainer(env: Record<string, string | undefined> = process.env) {
  container ??= build(env).catch((error: unknown) => {
    container = undefined;
    throw error;
  });
  return container;
}

async function build(env: Record<string, string | undefined>): Promise<LambdaContainer> {
  const powertoolsLogger = new PowertoolsLogger({ serviceName: SERVICE_NAME });
  const logger = fromPowertools(powertoolsLogger);
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  const config = configFrom(env, await policiesReader(env));
  // One SSM source (and client, loaded on first read) for both secrets.
  let ssm: ReturnType<typeof ssmParameterSource> | undefined;
  const source = () => {
    ssm ??= ssmParameterSource({ region: config.awsRegion });
    return ssm;
  };
  const credentials = tencentCredentialProvider(env, config, source);
  const runtime = createRuntime(config, { logger, ...(credentials ? { credentials } : {}) });
  const activity = coalesceActivity(runtime.store, config);
  const webhookSecret = webhookSecretProvider(env, config, source, {
    onError: (error, servingLastGood) =>
      logger.error(
        servingLastGood
          ? 'cannot refresh the webhook secret; the last good value stays in use'
          : 'cannot read the webhook secret; webhooks refused',
        { error: error instanceof Error ? error.message : String(error) },
      ),
  });
  const counts = runtime.outcomeCounts;
  return {
    config,
    store: {
      recordActivity: (userIds, at, options) => activity.recordActivity(userIds, at, options),
      recordDisconnect: (userId, at) => activity.recordDisconnect(userId, at),
      get: (userId) => runtime.store.get(userId),
    },
    deliveries: runtime.deliveries,
    reaper: runtime.reaper,
    car: runtime.car,
    liveSessions: runtime.liveSessions,
    takeTotals: counts ? () => counts.takeTotals() : undefined,
    logger,
    powertoolsLogger,
    metrics,
    webhookSecret,
  };
}

/** The policies file's reader; its YAML parser (112 KB) is imported only when POLICIES_FILE is set. */
async function policiesReader(env: Record<string, string | undefined>): Promise<PoliciesReader> {
  if (!env.POLICIES_FILE?.trim()) return () => ({});
  const { yamlApi } = await import('../policies/yaml-api.js');
  return (file) => loadPoliciesFile(yamlApi, file);
}
