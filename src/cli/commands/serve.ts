import type { Command } from 'commander';
import { serveWebhooks } from '../../local/webhook-server.js';
import { jsonLogger } from '../../logger.js';
import { webhookDeps } from '../../services.js';
import type { CommandContext } from '../context.js';
import { parsePort } from '../parse-options.js';
import { untilAborted } from './emulator.js';

// Kept here too: bench/ serves the webhooks through this path.
export { serveWebhooks };

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
