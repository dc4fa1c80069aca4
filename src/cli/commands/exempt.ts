import type { Command } from 'commander';
import { ValidationError } from '../../errors.js';
import { DEFAULT_CLASS } from '../../policies/session-classes.js';
import type { ExemptionEntry } from '../../sessions/session-store.js';
import type { CommandContext } from '../context.js';
import { renderTable } from '../render-table.js';

/** An ISO-8601 date-time with a zone: `2026-12-04T18:00Z`, `2026-12-04T18:00:00+01:00`. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Parses `--until`: a zoned ISO-8601 date-time strictly after `now`. */
export function parseUntil(raw: string | undefined, now: number): number {
  if (raw === undefined) {
    throw new ValidationError(
      '--until',
      'is required: when the exemption ends, as an ISO-8601 date-time (e.g. 2026-12-04T18:00Z)',
    );
  }
  const text = raw.trim();
  const at = ISO_DATE_TIME.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(at)) {
    throw new ValidationError(
      '--until',
      `must be an ISO-8601 date-time with a zone (e.g. 2026-12-04T18:00Z), got ${JSON.stringify(raw)}`,
    );
  }
  if (at <= now) {
    throw new ValidationError(
      '--until',
      `must be in the future, got ${new Date(at).toISOString()} (now ${new Date(now).toISOString()})`,
    );
  }
  return at;
}

/** One exemption as `exempt --list --json` prints it. */
const listed = (entry: ExemptionEntry, now: number) => ({
  userId: entry.userId,
  class: entry.class ?? DEFAULT_CLASS,
  state: entry.state,
  until: new Date(entry.until).toISOString(),
  inForce: entry.until > now,
  reason: entry.reason,
  by: entry.by ?? null,
  setAt: entry.setAt === undefined ? null : new Date(entry.setAt).toISOString(),
});

interface ExemptOptions {
  until?: string;
  reason?: string;
  list?: boolean;
  remove?: boolean;
  json?: boolean;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `car-reaper exempt`: sessions that are not reaped until a given time. */
export function registerExemptCommand(program: Command, ctx: CommandContext): void {
  program
    .command('exempt')
    .description('exempt sessions from reaping until a time; list or remove exemptions')
    .argument('[userId...]', 'CAR UserIds')
    .option('--until <time>', 'when the exemption ends (ISO-8601, in the future)')
    .option('--reason <text>', 'why (shown by --list and in status)')
    .option('--list', 'list the exemptions recorded, soonest end first')
    .option('--remove', 'remove the exemptions of the given user ids')
    .option('--json', 'with --list: print one JSON object')
    .addHelpText(
      'after',
      '\nAn exempt session is not reaped before --until; after it, it is judged by its class\n' +
        'as usual (idle time counted from its last activity).\n\nExamples:\n' +
        '  $ car-reaper exempt booth-1 booth-2 --until 2026-12-04T18:00Z --reason "trade fair"\n' +
        '  $ car-reaper exempt --list --json\n  $ car-reaper exempt --remove booth-2',
    )
    .action(async (userIds: string[], options: ExemptOptions) => {
      if (options.list && options.remove) {
        throw new ValidationError('--list', 'give either --list or --remove, not both');
      }
      if (options.list) return listExemptions(ctx, userIds, options);
      if (options.json) throw new ValidationError('--json', 'goes with --list');
      if (userIds.length === 0) throw new ValidationError('userId', 'give at least one user id');
      if (options.remove) return removeExemptions(ctx, userIds, options);
      const now = Date.now();
      const until = parseUntil(options.until, now);
      const reason = options.reason?.trim();
      if (!reason) {
        throw new ValidationError('--reason', 'is required: say why these sessions are exempt');
      }
      if (reason.length > 1024) {
        throw new ValidationError(
          '--reason',
          `must be at most 1024 characters, got ${reason.length}`,
        );
      }
      const services = ctx.services();
      const by = await services.callerIdentity();
      const { missing } = await services
        .exemptions()
        .setExemption(userIds, { until, reason, by, at: now });
      const done = new Set(userIds).size - missing.length;
      ctx.io.out(
        `exempted ${plural(done, 'session')} until ${new Date(until).toISOString()} (set by ${by})\n`,
      );
      if (missing.length > 0) {
        throw new ValidationError(
          'userId',
          `no session recorded for ${missing.map((id) => JSON.stringify(id)).join(', ')} (record activity first)`,
        );
      }
    });
}

async function listExemptions(ctx: CommandContext, userIds: string[], options: ExemptOptions) {
  if (userIds.length > 0 || options.until !== undefined || options.reason !== undefined) {
    throw new ValidationError('--list', 'takes no user ids, --until or --reason');
  }
  const now = Date.now();
  const entries = (await ctx.services().exemptions().listExemptions()).map((e) => listed(e, now));
  if (options.json) {
    ctx.io.out(`${JSON.stringify({ exemptions: entries })}\n`);
    return;
  }
  if (entries.length === 0) {
    ctx.io.out('no exemptions recorded\n');
    return;
  }
  const rows = entries.map((e) => [
    e.userId,
    e.class,
    e.until,
    e.inForce ? 'in force' : 'ended',
    e.reason,
    e.by ?? '',
  ]);
  ctx.io.out(`${renderTable(['user', 'class', 'until', 'status', 'reason', 'set by'], rows)}\n`);
}

async function removeExemptions(ctx: CommandContext, userIds: string[], options: ExemptOptions) {
  if (options.until !== undefined || options.reason !== undefined) {
    throw new ValidationError('--remove', 'takes no --until or --reason');
  }
  const { removed } = await ctx.services().exemptions().removeExemption(userIds);
  const none = [...new Set(userIds)].filter((id) => !removed.includes(id));
  const tail =
    none.length > 0 ? `; none recorded for ${none.map((id) => JSON.stringify(id)).join(', ')}` : '';
  ctx.io.out(`removed ${plural(removed.length, 'exemption')}${tail}\n`);
}
