import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Config, requireTencentCredentials } from '../config.js';
import { createDynamoDbClient, endpointOf } from '../dynamodb/client.js';
import { DynamoDbDeliveryLog } from '../dynamodb/delivery-log.js';
import { DynamoDbSessionStore, dueIndexStepFor } from '../dynamodb/dynamodb-session-store.js';
import { createRuntime, type Runtime } from '../dynamodb/runtime.js';
import { ensureTable } from '../dynamodb/table-definition.js';
import type { Logger } from '../logger.js';
import { SharedRateBudget } from '../rate/shared-rate-budget.js';
import type { CliServices, ServicesFactory } from '../services.js';
import { callerIdentity } from './caller-identity.js';

/**
 * The real services: the runtime every trigger shares (store, CAR client,
 * rate budget, reaper), plus the DynamoDB client for `table create`. Nothing
 * connects until a command uses it.
 */
export function runtimeServices(options: { logger?: Logger } = {}): ServicesFactory {
  return (config: Config): CliServices => {
    let client: DynamoDBClient | undefined;
    let runtime: Runtime | undefined;
    let store: DynamoDbSessionStore | undefined;
    const dynamo = () => {
      client ??= createDynamoDbClient(config);
      return client;
    };
    const wired = () => {
      store ??= new DynamoDbSessionStore({
        client: dynamo(),
        tableName: config.tableName,
        endpoint: endpointOf(config),
        dueIndexStepMs: dueIndexStepFor(config.activityResolutionSeconds * 1000),
      });
      runtime ??= createRuntime(config, {
        store,
        deliveries: new DynamoDbDeliveryLog({
          client: dynamo(),
          tableName: config.tableName,
          endpoint: endpointOf(config),
        }),
        logger: options.logger,
      });
      return { runtime, store };
    };
    return {
      config,
      ensureTable: async () => {
        const { created } = await ensureTable(dynamo(), config.tableName);
        return { created };
      },
      store: () => wired().store,
      exemptions: () => wired().store,
      callerIdentity: () => callerIdentity(config),
      car: () => {
        // The runtime builds its CAR client on first call; fail here, naming the variable.
        requireTencentCredentials(config);
        return wired().runtime.car;
      },
      reaper: () => wired().runtime.reaper,
      deliveries: () => wired().runtime.deliveries,
      reportSource: () => {
        const { outcomeCounts, liveSessions } = wired().runtime;
        if (!outcomeCounts || !liveSessions) throw new Error('report needs the sessions table');
        return {
          readHours: (fromHour, toHour) => outcomeCounts.readHours(fromHour, toHour),
          countLive: liveSessions,
        };
      },
      rateBudget: () =>
        runtime?.budget instanceof SharedRateBudget ? runtime.budget.stats() : undefined,
      close: async () => {
        await runtime?.close();
        client?.destroy();
      },
    };
  };
}
