import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { systemClock } from '../../clock.js';
import { ConfigError } from '../../errors.js';
import { type GeneratedReport, generateReport } from '../../report/generate-report.js';
import { renderReportHtml } from '../../report/render-html.js';
import { parseSinceDuration } from '../../report/report-window.js';
import type { CliServices } from '../../services.js';
import type { CommandContext } from '../context.js';
import { renderReportText } from '../render-report.js';

/** Reads the window's counts and, with credentials, CAR's Running count for the drift. */
export async function readReport(
  services: CliServices,
  sinceMs: number,
  now = systemClock(),
): Promise<GeneratedReport> {
  if (!services.reportSource) throw new Error('this setup keeps no outcome counts to report on');
  let car: ReturnType<CliServices['car']> | undefined;
  let carUnavailable: string | undefined;
  try {
    car = services.car();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    carUnavailable = `CAR not asked: ${error.message}`;
  }
  return generateReport({
    source: services.reportSource(),
    car,
    carUnavailable,
    sinceMs,
    now,
    seatHourPrice: services.config.seatHourPrice,
  });
}

/** Writes the report page; returns its absolute path. */
export function writeReportHtml(generated: GeneratedReport, file: string): string {
  const path = resolve(file);
  writeFileSync(
    path,
    renderReportHtml(generated.report, { driftUnavailable: generated.driftUnavailable }),
  );
  return path;
}

/** `car-reaper report`: what reaping did over a window. */
export function registerReportCommand(program: Command, ctx: CommandContext): void {
  program
    .command('report')
    .description('what reaping did: destroyed by reason, failed, idle seat time, drift')
    .option(
      '--since <duration>',
      'window back from now (counts are hourly)',
      parseSinceDuration,
      86_400_000,
    )
    .option('--json', 'print one JSON object')
    .option('--html <file>', 'also write a self-contained HTML page with charts')
    .addHelpText(
      'after',
      '\nIdle seat time is seat time paid for after the last activity; with SEAT_HOUR_PRICE\n' +
        'set it is shown in money too.\n\nExamples:\n  $ car-reaper report --since 7d\n' +
        '  $ car-reaper report --since 1h --json | jq .destroyed\n  $ car-reaper report --html report.html',
    )
    .action(async (options: { since: number; json?: boolean; html?: string }) => {
      const generated = await readReport(ctx.services(), options.since);
      const path =
        options.html !== undefined ? writeReportHtml(generated, options.html) : undefined;
      if (options.json) {
        ctx.io.out(`${JSON.stringify(generated.report)}\n`);
      } else {
        ctx.io.out(
          renderReportText(generated.report, { driftUnavailable: generated.driftUnavailable }),
        );
      }
      if (path !== undefined) ctx.io.err(`report page written to ${path}\n`);
    });
}
