import type { Command } from 'commander';
import type { CommandContext } from '../context.js';

/** `car-reaper table create`: the table and its indexes, idempotent. */
export function registerTableCommands(program: Command, ctx: CommandContext): void {
  const table = program
    .command('table')
    .description('manage the sessions table')
    .addHelpText('after', '\nExample:\n  $ car-reaper table create');
  table
    .command('create')
    .description('create the sessions table and its indexes (does nothing if it exists)')
    .addHelpText(
      'after',
      '\nExample:\n  $ DYNAMODB_ENDPOINT=http://127.0.0.1:8000 SESSIONS_TABLE=sessions car-reaper table create',
    )
    .action(async () => {
      const services = ctx.services();
      const { created } = await services.ensureTable();
      const { tableName } = services.config;
      ctx.io.out(
        created
          ? `table ${tableName} created\n`
          : `table ${tableName} already exists; nothing to do\n`,
      );
    });
}
