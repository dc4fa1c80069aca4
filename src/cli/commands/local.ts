import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { driftOf } from '../../drift/drift.js';
import { countDestroys } from '../../local/destroy-meter.js';
import { type LiveSnapshot, LiveView } from '../../local/live-view.js';
import { type LocalStack, startLocalStack } from '../../local/local-stack.js';
import { ScheduleLoop } from '../../local/schedule-loop.js';
import { resigningCurl, signedCurl } from '../../local/signed-curl.js';
import { jsonLogger } from '../../logger.js';
import type { ReapSummary } from '../../reaper/types.js';
import { HOUR_MS, hourOf } from '../../report/hourly-counts.js';
import type { ServicesFactory } from '../../services.js';
import { DISCONNECT_TYPE } from '../../webhook/payloads.js';
import { newWebhookId, signWebhook } from '../../webhook/signature.js';
import type { CommandContext } from '../context.js';
import { parsePort, parsePositiveInt, parseSeconds } from '../parse-options.js';
import { plural } from '../plural.js';
import { untilAborted } from './emulator.js';
import { readReport, writeReportHtml } from './report.js';

interface LocalOptions {
  sessions: number;
  idleTimeout: number;
  grace: number;
  interval: number;
  warnBefore: number;
  rate: number;
  port: number;
}

const reapLine = (summary: ReapSummary, count: number): string =>
  `reap #${count}: ${plural(summary.candidates, 'candidate')}, ${summary.destroyed} destroyed, ` +
  `${summary.skipped} skipped, ${summary.retried + summary.failed} failed or retried, ` +
  `${summary.achievedRps.toFixed(1)}/s in ${(summary.durationMs / 1000).toFixed(1)} s`;

async function snapshot(
  stack: LocalStack,
  loop: ScheduleLoop,
  startedAt: number,
): Promise<LiveSnapshot> {
  const [sessions, car, counted] = await Promise.all([
    stack.services.store().counts(),
    stack.services.car().describeConcurrentCount(),
    stack.services.reportSource?.().readHours(hourOf(startedAt), hourOf(Date.now())),
  ]);
  const now = Date.now();
  const destroys = countDestroys(stack.emulator.calls(), now);
  const tracked = sessions.active + sessions.disconnected + sessions.reaping;
  const idleSeatMs = counted?.hours
    .flatMap((hour) => Object.values(hour.idleSeatMs))
    .reduce((sum, ms) => sum + ms, 0);
  return {
    uptimeSeconds: Math.round((now - startedAt) / 1000),
    sessions,
    destroysLastSecond: destroys.lastSecond,
    quotaRps: stack.config.carQuotaRps,
    throttled: destroys.throttled,
    car: car.ok ? car.value : { error: car.error.code },
    reapsDone: loop.reapsDone,
    reaping: loop.reaping,
    destroyedTotal: loop.destroyedTotal,
    ...(car.ok ? { drift: driftOf(car.value.running, tracked) } : {}),
    ...(idleSeatMs !== undefined ? { idleSeatSeconds: idleSeatMs / 1000 } : {}),
    events: { ...stack.clients.counts },
  };
}

function printIntro(ctx: CommandContext, stack: LocalStack, options: LocalOptions): void {
  const out = (line = '') => ctx.io.out(`${line}\n`);
  const { secrets } = stack;
  if (secrets.generated.includes('TENCENTCLOUD_SECRET_ID/_KEY')) {
    out(`generated local Tencent credentials: TENCENTCLOUD_SECRET_ID=${secrets.secretId}`);
  }
  // Only secrets generated for this run are printed; one taken from the environment stays there.
  const webhookGenerated = secrets.generated.includes('WEBHOOK_SECRET');
  out(
    webhookGenerated
      ? `WEBHOOK_SECRET=${secrets.webhookSecret} (generated for this run)`
      : 'WEBHOOK_SECRET taken from the environment',
  );
  out(
    `seeded ${stack.userIds.length.toLocaleString('en-US')} sessions (table ${stack.config.tableName}, live in the emulator): ` +
      `idle timeout ${options.idleTimeout} s, disconnect grace ${options.grace} s, ` +
      `${stack.simulator.size} users sending heartbeats, a reap every ${options.interval} s`,
  );
  if (options.warnBefore > 0) {
    out(
      `warnings ${options.warnBefore} s before each reap go to the demo clients (${stack.clients.url}); ` +
        'half of the warned users answer and stay',
    );
  }
  const url = `${stack.webhook.url}/disconnect`;
  const body = JSON.stringify({
    type: DISCONNECT_TYPE,
    userId: [...stack.userIds].pop() ?? 'demo-user-0001',
  });
  out();
  out('disconnect a connected user (signed; one delivery, valid for 300 s):');
  out(
    signedCurl({
      url,
      secret: secrets.webhookSecret,
      body,
      id: newWebhookId(),
      timestampSeconds: Math.floor(Date.now() / 1000),
      sign: signWebhook,
    }),
  );
  out('or, signed when it runs (a new delivery each time):');
  out(resigningCurl({ url, body, ...(webhookGenerated ? { secret: secrets.webhookSecret } : {}) }));
  out();
  out('point the CLI at this stack from another terminal:');
  const tencentGenerated = secrets.generated.includes('TENCENTCLOUD_SECRET_ID/_KEY');
  out(
    `  DYNAMODB_ENDPOINT=${stack.dynamo.endpoint} CAR_ENDPOINT=${stack.emulator.url} ` +
      (tencentGenerated
        ? `TENCENTCLOUD_SECRET_ID=${secrets.secretId} TENCENTCLOUD_SECRET_KEY=${secrets.secretKey} `
        : '') +
      'npx car-reaper status',
  );
  out();
}

/** Writes the report page of this run (the stack's table goes away with it) and says where. */
async function writeRunReport(ctx: CommandContext, stack: LocalStack, startedAt: number) {
  try {
    const since = Math.min(Date.now() - startedAt + HOUR_MS, 90 * 24 * HOUR_MS);
    const generated = await readReport(stack.services, since);
    const file = join(
      tmpdir(),
      `car-reaper-report-${new Date().toISOString().replace(/[:.]/g, '-')}.html`,
    );
    const path = writeReportHtml(generated, file);
    const { destroyed, idleSeatSeconds } = generated.report;
    ctx.io.out(
      `report of this run: ${destroyed.total.toLocaleString('en-US')} destroyed, ` +
        `${Math.round(idleSeatSeconds).toLocaleString('en-US')} s of idle seat time; page written to ${path}\n`,
    );
  } catch (error) {
    ctx.io.out(`no report written: ${(error as Error).message}\n`);
  }
}

/** `car-reaper local`: the embedded stack with a live view, until Ctrl-C. */
export function registerLocalCommand(factory: ServicesFactory) {
  return (program: Command, ctx: CommandContext): void => {
    program
      .command('local')
      .description('run the embedded stack with a demo (what npm start runs)')
      .option('--sessions <n>', 'demo sessions to seed', parsePositiveInt, 2000)
      .option('--idle-timeout <seconds>', 'idle timeout of the demo', parsePositiveInt, 30)
      .option('--grace <seconds>', 'disconnect grace period of the demo', parseSeconds, 10)
      .option('--interval <seconds>', 'time between reap cycles', parsePositiveInt, 5)
      .option(
        '--warn-before <seconds>',
        'session.warning this long before a reap (0 = none); half of the warned users answer',
        parseSeconds,
        10,
      )
      .option(
        '--rate <n>',
        'DestroySession quota of the emulator and the reaper',
        parsePositiveInt,
        100,
      )
      .option('--port <port>', 'webhook server port (0 = any free port)', parsePort, 0)
      .addHelpText(
        'after',
        "\nExamples:\n  $ npm start\n  $ car-reaper local --sessions 500 --interval 3\n\nCtrl-C stops everything, DynamoDB Local's JVM included.",
      )
      .action(async (options: LocalOptions) => {
        const stop = ctx.stopSignal();
        const logger = jsonLogger({ level: 'warn', write: (line) => ctx.io.err(`${line}\n`) });
        ctx.io.out('starting DynamoDB Local and the CAR emulator...\n');
        const stack = await startLocalStack(
          {
            env: ctx.io.env,
            sessions: options.sessions,
            idleTimeoutSeconds: options.idleTimeout,
            disconnectGraceSeconds: options.grace,
            warnBeforeSeconds: options.warnBefore,
            rate: options.rate,
            webhookPort: options.port,
            print: (line) => ctx.io.out(`${line}\n`),
            logger,
          },
          factory,
        );
        try {
          printIntro(ctx, stack, options);
          const view = new LiveView(ctx.io.out, ctx.io.interactive, () => ctx.io.columns);
          const loop = new ScheduleLoop(stack.services.reaper(), {
            intervalMs: options.interval * 1000,
            onReap: (summary, count) => view.message(reapLine(summary, count)),
            onError: (error) => {
              if (!stop.aborted) view.message(`reap failed: ${(error as Error).message}`);
            },
          });
          const startedAt = Date.now();
          let drawing = false;
          const tick = setInterval(() => {
            if (drawing || stop.aborted) return;
            drawing = true;
            snapshot(stack, loop, startedAt)
              .then((s) => {
                if (!stop.aborted) view.draw(s);
              })
              .catch((error: unknown) => {
                if (!stop.aborted) view.message(`live view: ${(error as Error).message}`);
              })
              .finally(() => {
                drawing = false;
              });
          }, 1000);
          const running = loop.run(stop);
          await untilAborted(stop);
          clearInterval(tick);
          ctx.io.out('\nstopping: finishing the reap in progress...\n');
          // The demo's users go first: nothing may call the stack while it stops.
          await stack.simulator.stop();
          await running;
          await writeRunReport(ctx, stack, startedAt);
        } finally {
          await stack.stop();
        }
        ctx.io.out(`stopped (DynamoDB Local java pid ${stack.dynamo.pid} ended)\n`);
      });
  };
}
