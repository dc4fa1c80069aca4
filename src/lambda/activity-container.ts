import { createDynamoDbClient, endpointOf } from '../dynamodb/client.js';
import { DynamoDbDeliveryLog } from '../dynamodb/delivery-log.js';
import { sessionStoreFor } from '../dynamodb/session-store-for.js';
import type { LambdaContainer } from './container.js';
import { type ContainerBasics, containerBasics, once, webhookStore } from './container-basics.js';

/** What the heartbeat function needs: the store and the delivery log, no engine. */
export type ActivityContainer = ContainerBasics & Pick<LambdaContainer, 'store' | 'deliveries'>;

let container: (() => Promise<ActivityContainer>) | undefined;

/**
 * The heartbeat function's container: the session store (activity coalesced
 * per warm container) and the delivery log, built like {@link lambdaContainer}'s
 * but without the engine (reaper, rate budget, CAR client, events), which a
 * function that only records activity never uses: less code at each cold start.
 */
export function lambdaActivityContainer(
  env: Record<string, string | undefined> = process.env,
): Promise<ActivityContainer> {
  container ??= once(async () => {
    const basics = await containerBasics(env);
    const { config } = basics;
    const client = createDynamoDbClient(config);
    return {
      ...basics,
      store: webhookStore(sessionStoreFor(config, client), config),
      deliveries: new DynamoDbDeliveryLog({
        client,
        tableName: config.tableName,
        endpoint: endpointOf(config),
      }),
    };
  });
  return container();
}
