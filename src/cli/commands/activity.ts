import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { plural } from '../plural.js';
import { readLines } from '../read-lines.js';

/** Ids recorded in one store call when reading stdin: bounded memory, few round trips. */
export const TOUCH_BATCH_SIZE = 100;

/** `car-reaper touch` and `car-reaper disconnect`: record what the backend would. */
export function registerActivityCommands(program: Command, ctx: CommandContext): void {
  program
    .command('touch')
    .description('record activity now (like the heartbeat webhook)')
    .argument('[userId...]', 'CAR UserIds')
    .option('--stdin', 'read user ids from stdin, one a line')
    .option('--class <name>', 'put the sessions in this class of the policies file')
    .addHelpText(
      'after',
      '\nExamples:\n  $ car-reaper touch user-1 user-2\n  $ car-reaper touch --class kiosk booth-1\n' +
        '  $ cut -f1 users.tsv | car-reaper touch --stdin',
    )
    .action(
      async (userIds: string[], options: { stdin?: boolean; class?: string }, command: Command) => {
        // Usage errors like commander's own: the message, then the command's usage, exit 2.
        const usage = (message: string) =>
          command.error(`error: ${message}`, { exitCode: 2, code: 'car-reaper.usage' });
        if (options.stdin && userIds.length > 0) {
          usage('give user ids as arguments or with --stdin, not both');
        }
        if (!options.stdin && userIds.length === 0) {
          usage("missing argument 'userId...' (give at least one user id, or --stdin)");
        }
        const services = ctx.services();
        const sessionClass =
          options.class === undefined
            ? undefined
            : services.config.classes.assertKnown(options.class, '--class');
        const store = services.store();
        let count = 0;
        const record = async (batch: string[]) => {
          await store.recordActivity(
            batch,
            Date.now(),
            sessionClass === undefined ? {} : { class: sessionClass },
          );
          count += batch.length;
        };
        if (options.stdin) {
          let batch: string[] = [];
          for await (const line of readLines(process.stdin)) {
            batch.push(line);
            if (batch.length >= TOUCH_BATCH_SIZE) {
              await record(batch);
              batch = [];
            }
          }
          if (batch.length > 0) await record(batch);
        } else {
          await record(userIds);
        }
        ctx.io.out(`recorded activity for ${plural(count, 'user')}\n`);
      },
    );

  program
    .command('disconnect')
    .description('record a disconnect now (like the disconnect webhook)')
    .argument('<userId...>', 'CAR UserIds')
    .addHelpText('after', '\nExample:\n  $ car-reaper disconnect user-1')
    .action(async (userIds: string[]) => {
      const store = ctx.services().store();
      const at = Date.now();
      for (const userId of userIds) await store.recordDisconnect(userId, at);
      ctx.io.out(`recorded a disconnect for ${plural(userIds.length, 'user')}\n`);
    });
}
