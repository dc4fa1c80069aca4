import type { Command } from 'commander';
import type { ReapOptions, ReapSummary } from '../../reaper/types.js';
import type { CommandContext } from '../context.js';
import { CarAuthError } from '../errors.js';
import { parsePositiveInt, parseSeconds } from '../parse-options.js';
import { ProgressBar } from '../progress-bar.js';
import { renderReapSummary } from '../reap-output.js';

/**
 * Runs one cycle with a progress bar on a terminal and prints the summary
 * (one JSON object with `json`, with `rateBudget` when the budget is
 * shared). A cycle that ran exits 0 even with recorded failures; an auth
 * failure exits 1 after the summary is printed.
 */
export async function runReapCycle(
  ctx: CommandContext,
  options: Omit<ReapOptions, 'onProgress' | 'signal'>,
  json: boolean,
): Promise<ReapSummary> {
  const services = ctx.services();
  const reaper = services.reaper();
  const quotaRps = services.config.carQuotaRps;
  const bar =
    ctx.io.interactive && !json
      ? new ProgressBar(ctx.io.redraw, { quotaRps, columns: ctx.io.columns })
      : undefined;
  const summary = await reaper.reap({
    ...options,
    signal: ctx.stopSignal(),
    onProgress: bar ? (progress) => bar.update(progress) : undefined,
  });
  bar?.finish(ctx.io.out);
  if (json) {
    // The shared budget's figures (writes, waits, fallbacks) beside the summary.
    const rateBudget = services.rateBudget?.();
    ctx.io.out(`${JSON.stringify(rateBudget ? { ...summary, rateBudget } : summary)}\n`);
  } else {
    ctx.io.out(renderReapSummary(summary, quotaRps));
  }
  if (summary.stoppedAt === 'auth') {
    throw new CarAuthError(
      summary.error?.code ?? 'AuthFailure',
      summary.error?.message ?? 'the run stopped',
    );
  }
  return summary;
}

/** `car-reaper reap` and `car-reaper destroy`. */
export function registerReapCommands(program: Command, ctx: CommandContext): void {
  program
    .command('reap')
    .description('run one reap cycle within the quota')
    .option('--dry-run', 'claim and destroy nothing; list what would be destroyed')
    .option('--idle-timeout <seconds>', 'idle time after which a session is stale', parseSeconds)
    .option('--max-age <seconds>', "hard cap on a session's life (0 = off)", parseSeconds)
    .option('--limit <n>', 'most sessions to destroy in this run', parsePositiveInt)
    .option('--json', 'print one JSON object (the summary) instead of a table')
    .addHelpText(
      'after',
      '\nExamples:\n  $ car-reaper reap --dry-run --idle-timeout 600\n  $ car-reaper reap --limit 500 --json',
    )
    .action(
      async (options: {
        dryRun?: boolean;
        idleTimeout?: number;
        maxAge?: number;
        limit?: number;
        json?: boolean;
      }) => {
        await runReapCycle(
          ctx,
          {
            trigger: 'manual',
            dryRun: options.dryRun ?? false,
            idleTimeoutMs:
              options.idleTimeout === undefined ? undefined : options.idleTimeout * 1000,
            maxAgeMs: options.maxAge === undefined ? undefined : options.maxAge * 1000,
            limit: options.limit,
          },
          options.json ?? false,
        );
      },
    );

  program
    .command('destroy')
    .description('destroy named sessions now, outcomes recorded')
    .argument('<userId...>', 'CAR UserIds')
    .option('--json', 'print one JSON object (the summary) instead of a table')
    .addHelpText('after', '\nExample:\n  $ car-reaper destroy user-1 user-2 --json')
    .action(async (userIds: string[], options: { json?: boolean }) => {
      await runReapCycle(ctx, { trigger: 'manual', userIds }, options.json ?? false);
    });
}
