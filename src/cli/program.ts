import { Command } from 'commander';
import type { ServicesFactory } from '../services.js';
import { registerActivityCommands } from './commands/activity.js';
import { registerExemptCommand } from './commands/exempt.js';
import { registerReapCommands } from './commands/reap.js';
import { registerReportCommand } from './commands/report.js';
import { registerStatusCommand } from './commands/status.js';
import { registerTableCommands } from './commands/table.js';
import type { CommandContext } from './context.js';
import { createCommandContext } from './context.js';
import { reportError } from './errors.js';
import type { CliIo } from './io.js';

/** Long-running commands (serve, emulator, local), registered by the entry that can run them. */
export type RegisterCommands = (program: Command, ctx: CommandContext) => void;

/**
 * Builds the `car-reaper` program. Commander never exits the process itself
 * (exitOverride): {@link runCli} maps every outcome to an exit status.
 */
export function buildProgram(
  ctx: CommandContext,
  extra: readonly RegisterCommands[] = [],
): Command {
  const program = new Command('car-reaper')
    .description('Ends abandoned Tencent Cloud CAR sessions recorded in a DynamoDB table.')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({
      writeOut: (text) => ctx.io.out(text),
      writeErr: (text) => ctx.io.err(text),
    })
    .addHelpText(
      'after',
      '\nConfiguration comes from the environment (SESSIONS_TABLE, DYNAMODB_ENDPOINT, CAR_ENDPOINT,\n' +
        'TENCENTCLOUD_SECRET_ID/_KEY, CAR_QUOTA_RPS, IDLE_TIMEOUT_SECONDS, ...).\n\n' +
        'Example:\n  $ car-reaper status\n  $ car-reaper reap --dry-run',
    );
  registerTableCommands(program, ctx);
  registerActivityCommands(program, ctx);
  registerReapCommands(program, ctx);
  registerStatusCommand(program, ctx);
  registerExemptCommand(program, ctx);
  registerReportCommand(program, ctx);
  for (const register of extra) register(program, ctx);
  return program;
}

/**
 * Runs the CLI on `argv` (as in `process.argv`) and resolves with the exit
 * status: 0 done, 1 configuration/credential/infrastructure error, 2 usage error.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  factory: ServicesFactory,
  extra: readonly RegisterCommands[] = [],
): Promise<number> {
  const ctx = createCommandContext(io, factory);
  const program = buildProgram(ctx, extra);
  let status = 0;
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    const report = reportError(error, { dynamodbEndpoint: ctx.dynamodbEndpoint() });
    if (report.message !== undefined) io.err(`car-reaper: ${report.message}\n`);
    status = report.exitCode;
  } finally {
    try {
      await ctx.dispose();
    } catch {
      // Closing clients must not hide the command's own outcome.
    }
  }
  return status;
}
