import type { Command } from 'commander';
import { systemClock } from '../../clock.js';
import type { WebhookDeps } from '../../handlers/deps.js';
import { handleWebhookRequest } from '../../handlers/webhook-request.js';
import { startWebhookServer, type WebhookServer } from '../../local/webhook-server.js';
import { jsonLogger, type Logger } from '../../logger.js';
import type { CommandContext } from '../context.js';
import { parsePort } from '../parse-options.js';
import type { CliServices } from '../services.js';
import { untilAborted } from './emulator.js';

/**
 * The handlers' dependencies from the CLI's services. The reaper is built on
 * first use: only an immediate destroy (grace 0) needs Tencent credentials.
 */
export function webhookDeps(services: CliServices, logger: Logger): WebhookDeps {
  return {
    store: services.store(),
    reaper: { reap: (options) => services.reaper().reap(options) },
    config: services.config,
    clock: systemClock,
    logger,
  };
}

/** Serves `POST /disconnect` and `POST /heartbeat` on 127.0.0.1 with the Lambda handlers. */
export async function serveWebhooks(deps: WebhookDeps, port: number): Promise<WebhookServer> {
  return startWebhookServer({
    port,
    handle: (request) =>
      handleWebhookRequest(request.path, request.headers, request.rawBody, deps, request.method),
  });
}

/** `car-reaper serve`. */
export function registerServeCommand(program: Command, ctx: CommandContext): void {
  program
    .command('serve')
    .description("serve the webhooks on 127.0.0.1 (the cloud functions' handlers)")
    .option('--port <port>', 'port to listen on (0 = any free port)', parsePort, 8787)
    .addHelpText(
      'after',
      '\nExample:\n  $ WEBHOOK_SECRET=s3cret DYNAMODB_ENDPOINT=http://127.0.0.1:8000 car-reaper serve --port 8787',
    )
    .action(async (options: { port: number }) => {
      const services = ctx.services();
      const stop = ctx.stopSignal();
      if (!services.config.webhookSecret) {
        ctx.io.err('car-reaper: WEBHOOK_SECRET is not set: every webhook will be refused (503)\n');
      }
      const logger = jsonLogger({ write: (line) => ctx.io.err(`${line}\n`) });
      const server = await serveWebhooks(webhookDeps(services, logger), options.port);
      ctx.io.out(`listening on ${server.url}\n`);
      await untilAborted(stop);
      await server.close();
    });
}
