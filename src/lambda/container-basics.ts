import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { type Config, configFrom, type Env, type PoliciesReader } from '../config.js';
import type { Logger } from '../logger.js';
import { loadPoliciesFile } from '../policies/policies-parser.js';
import { coalesceActivity } from '../sessions/activity-coalescer.js';
import type { SessionStore } from '../sessions/session-store.js';
import { fromPowertools, METRICS_NAMESPACE, SERVICE_NAME } from './observability.js';
import { type ParameterSource, ssmParameterSource } from './parameter-source.js';
import { type WebhookSecretProvider, webhookSecretProvider } from './webhook-secret.js';

/** What every function builds at a cold start, whatever it does. */
export interface ContainerBasics {
  config: Config;
  logger: Logger;
  powertoolsLogger: PowertoolsLogger;
  metrics: Metrics;
  /** One SSM source (its client loaded on the first read) for every secret. */
  parameters: () => ParameterSource;
  webhookSecret: WebhookSecretProvider;
}

/** Logs, metrics, the configuration (a bad variable fails naming it) and the secrets' source. */
export async function containerBasics(env: Env): Promise<ContainerBasics> {
  const powertoolsLogger = new PowertoolsLogger({ serviceName: SERVICE_NAME });
  const logger = fromPowertools(powertoolsLogger);
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  const config = configFrom(env, await policiesReader(env));
  let ssm: ParameterSource | undefined;
  const parameters = () => {
    ssm ??= ssmParameterSource({ region: config.awsRegion });
    return ssm;
  };
  const webhookSecret = webhookSecretProvider(env, config, parameters, {
    onError: (error, servingLastGood) =>
      logger.error(
        servingLastGood
          ? 'cannot refresh the webhook secret; the last good value stays in use'
          : 'cannot read the webhook secret; webhooks refused',
        { error: error instanceof Error ? error.message : String(error) },
      ),
  });
  return { config, logger, powertoolsLogger, metrics, parameters, webhookSecret };
}

/** The webhooks' view of a store: activity coalesced per warm container (one write per resolution and user). */
export function webhookStore(
  store: SessionStore,
  config: Config,
): Pick<SessionStore, 'recordActivity' | 'recordDisconnect' | 'get'> {
  const activity = coalesceActivity(store, config);
  return {
    recordActivity: (userIds, at, options) => activity.recordActivity(userIds, at, options),
    recordDisconnect: (userId, at) => activity.recordDisconnect(userId, at),
    get: (userId) => store.get(userId),
  };
}

/** A memo of an async build: kept once it succeeds, built again after a failure. */
export function once<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => {
    built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return built;
  };
}

/** The policies file's reader; its YAML parser (112 KB) is imported only when POLICIES_FILE is set. */
async function policiesReader(env: Env): Promise<PoliciesReader> {
  if (!env.POLICIES_FILE?.trim()) return () => ({});
  const { yamlApi } = await import('../policies/yaml-api.js');
  return (file) => loadPoliciesFile(yamlApi, file);
}
