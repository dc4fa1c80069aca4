import type { CarApi } from '../car/car-api.js';
import type { LiveSessionCounts } from '../drift/drift.js';
import type { TallyTotals } from '../dynamodb/outcome-counts.js';
import { createRuntime } from '../dynamodb/runtime.js';
import type { WebhookDeps } from '../handlers/deps.js';
import type { Reaper } from '../reaper/types.js';
import type { DeliveryLog } from '../webhook/delivery-log.js';
import { type ContainerBasics, containerBasics, once, webhookStore } from './container-basics.js';
import { tencentCredentialProvider } from './tencent-credentials.js';

/** Everything a function needs, built once per Lambda container (cold start). */
export interface LambdaContainer extends ContainerBasics {
  /** The webhooks' store: activity coalesced per warm container (one write per resolution and user). */
  store: WebhookDeps['store'];
  deliveries: DeliveryLog;
  reaper: Reaper;
  car: CarApi;
  /** Counts the table's live sessions (drift and the dashboard). */
  liveSessions?: () => Promise<LiveSessionCounts>;
  /** What this container added to the outcome counts since the last call. */
  takeTotals?: () => TallyTotals;
}

let container: (() => Promise<LambdaContainer>) | undefined;

/**
 * The container's objects, built on first use and reused by warm invocations:
 * configuration parsed once (a bad variable fails every invocation with its
 * name), one DynamoDB client, one CAR client and one rate budget per container.
 * A failed build is not kept, so a transient failure does not poison the container.
 */
export function lambdaContainer(
  env: Record<string, string | undefined> = process.env,
): Promise<LambdaContainer> {
  container ??= once(() => build(env));
  return container();
}

async function build(env: Record<string, string | undefined>): Promise<LambdaContainer> {
  const basics = await containerBasics(env);
  const { config, logger } = basics;
  const credentials = tencentCredentialProvider(env, config, basics.parameters);
  const runtime = createRuntime(config, { logger, ...(credentials ? { credentials } : {}) });
  const counts = runtime.outcomeCounts;
  return {
    ...basics,
    store: webhookStore(runtime.store, config),
    deliveries: runtime.deliveries,
    reaper: runtime.reaper,
    car: runtime.car,
    liveSessions: runtime.liveSessions,
    takeTotals: counts ? () => counts.takeTotals() : undefined,
  };
}
