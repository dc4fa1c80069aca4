import type { Command } from 'commander';
import { runEmulatorFromCli } from '../../emulator/index.js';
import type { CommandContext } from '../context.js';
import { parsePort, parsePositiveInt } from '../parse-options.js';

/** `car-reaper emulator`: the local CAR API until Ctrl-C. */
export function registerEmulatorCommand(program: Command, ctx: CommandContext): void {
  program
    .command('emulator')
    .description('run the CAR emulator (checks signatures, enforces quotas)')
    .option('--port <port>', 'port to listen on (0 = any free port)', parsePort, 9000)
    .option('--rate <n>', 'DestroySession/CreateSession quota per second', parsePositiveInt, 100)
    .addHelpText(
      'after',
      '\nExample:\n  $ TENCENTCLOUD_SECRET_ID=AKIDlocal TENCENTCLOUD_SECRET_KEY=local car-reaper emulator --port 9000 --rate 100\n' +
        '  then point the reaper at it: CAR_ENDPOINT=http://127.0.0.1:9000',
    )
    .action(async (options: { port: number; rate: number }) => {
      const stop = ctx.stopSignal();
      const emulator = await runEmulatorFromCli({
        port: options.port,
        rate: options.rate,
        env: ctx.io.env,
        write: ctx.io.out,
      });
      await untilAborted(stop);
      await emulator.stop();
    });
}

/** Resolves when `signal` aborts (SIGINT/SIGTERM). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}
