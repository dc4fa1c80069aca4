import { constants } from 'node:os';
import { endpointOf } from '../dynamodb/client.js';
import { loadConfig } from '../load-config.js';
import type { CliServices, ServicesFactory } from '../services.js';
import type { CliIo } from './io.js';

/** Handed to every command: its IO, its services (built on first use) and a stop signal. */
export interface CommandContext {
  readonly io: CliIo;
  /** Loads the configuration on first call (a bad variable throws a ConfigError naming it). */
  services(): CliServices;
  /**
   * Aborted by the first SIGINT/SIGTERM/SIGHUP: long commands stop cleanly. A second
   * signal exits at once, in case stopping hangs, with 128 + the signal's number
   * (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP), as a shell reports it.
   */
  stopSignal(): AbortSignal;
}

/** The context of one CLI run; `dispose` closes whatever the command opened. */
export function createCommandContext(
  io: CliIo,
  factory: ServicesFactory,
): CommandContext & {
  /** The DynamoDB endpoint, once the configuration has been loaded. */
  dynamodbEndpoint(): string | undefined;
  dispose(): Promise<void>;
} {
  let services: CliServices | undefined;
  let controller: AbortController | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller && !controller.signal.aborted) {
      controller.abort(new Error(`stopped by ${signal}`));
      return;
    }
    process.exit(128 + constants.signals[signal]);
  };
  return {
    io,
    services() {
      services ??= factory(loadConfig(io.env));
      return services;
    },
    stopSignal() {
      if (!controller) {
        controller = new AbortController();
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        // A closed terminal: stop as cleanly as for Ctrl-C (Node's default would skip all cleanup).
        process.on('SIGHUP', onSignal);
      }
      return controller.signal;
    },
    dynamodbEndpoint: () => (services ? endpointOf(services.config) : undefined),
    async dispose() {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGHUP', onSignal);
      await services?.close();
    },
  };
}
