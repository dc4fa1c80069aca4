import { type Config, requireTencentCredentials } from '../config.js';
import { createRuntime, type Runtime } from '../dynamodb/runtime.js';
import { ensureTable } from '../dynamodb/table-definition.js';
import type { Logger } from '../logger.js';
import type { CliServices, ServicesFactory } from '../services.js';
import { callerIdentity } from './caller-identity.js';

/**
 * The real services: the runtime every trigger shares (store, CAR client,
 * rate budget, reaper, the table itself). Nothing connects until a command
 * uses it.
 */
export function runtimeServices(options: { logger?: Logger } = {}): ServicesFactory {
  return (config: Config): CliServices => {
    let runtime: Runtime | undefined;
    const wired = (): Runtime => {
      runtime ??= createRuntime(config, { logger: options.logger });
      return runtime;
    };
    return {
      config,
      ensureTable: async () => {
        const { created } = await ensureTable(wired().table(), config.tableName);
        return { created };
      },
      store: () => wired().store,
      exemptions: () => {
        const { exemptions } = wired();
        if (!exemptions) throw new Error('exemptions need the sessions table');
        return exemptions;
      },
      callerIdentity: () => callerIdentity(config),
      car: () => {
        // The runtime builds its CAR client on first call; fail here, naming the variable.
        requireTencentCredentials(config);
        return wired().car;
      },
      reaper: () => wired().reaper,
      deliveries: () => wired().deliveries,
      reportSource: () => {
        const { outcomeCounts, liveSessions } = wired();
        if (!outcomeCounts || !liveSessions) throw new Error('report needs the sessions table');
        return {
          readHours: (fromHour, toHour) => outcomeCounts.readHours(fromHour, toHour),
          countLive: liveSessions,
        };
      },
      rateBudget: () => runtime?.budgetStats?.(),
      close: async () => {
        await runtime?.close();
      },
    };
  };
}
