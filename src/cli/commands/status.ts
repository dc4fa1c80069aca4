import type { Command } from 'commander';
import type { CarFailure } from '../../car/car-api.js';
import { LocalCarErrorCode } from '../../car/error-classes.js';
import { type Drift, driftOf } from '../../drift/drift.js';
import { ConfigError } from '../../errors.js';
import type { CliServices } from '../../services.js';
import { SESSION_STATES, type SessionState } from '../../sessions/session-store.js';
import type { CommandContext } from '../context.js';
import { renderTable } from '../render-table.js';

/** CAR's side of `status`: the seat counts, or why they could not be read. */
export type CarStatus =
  | { reachable: true; endpoint: string; running: number; total: number }
  | {
      reachable: false;
      endpoint: string;
      reason: 'credentials' | 'auth' | 'unreachable' | 'error';
      error: string;
    };

/** The object `status --json` prints. */
export interface StatusReport {
  table: string;
  sessions: Record<SessionState, number>;
  totalSessions: number;
  /** Exemptions in force now, and the soonest of their ends (ISO-8601; null when none). */
  exemptions: { active: number; soonestEnd: string | null };
  car: CarStatus;
  /**
   * CAR's Running seats against the sessions the table holds live (active,
   * disconnected, reaping); `carRunning` and `untracked` are null when CAR
   * could not be asked.
   */
  drift: Drift | { carRunning: null; tracked: number; untracked: null };
}

/** Sessions the table holds live: what CAR's Running count should match. */
const trackedOf = (sessions: Record<SessionState, number>): number =>
  (sessions.active ?? 0) + (sessions.disconnected ?? 0) + (sessions.reaping ?? 0);

function renderDrift(drift: StatusReport['drift']): string {
  if (drift.carRunning === null)
    return `drift: unknown (tracked ${drift.tracked.toLocaleString('en-US')})`;
  const line = `drift: CAR running ${drift.carRunning.toLocaleString('en-US')}, tracked ${drift.tracked.toLocaleString('en-US')}, untracked ${drift.untracked.toLocaleString('en-US')}`;
  return drift.untracked > 0
    ? `${line} (CAR holds seats the table never recorded: see README, "Drift")`
    : line;
}

const unreachableCodes: ReadonlySet<string> = new Set([
  LocalCarErrorCode.NetworkError,
  LocalCarErrorCode.Timeout,
]);

function describeFailure(endpoint: string, failure: CarFailure): CarStatus {
  const reason =
    failure.class === 'auth'
      ? 'auth'
      : unreachableCodes.has(failure.code)
        ? 'unreachable'
        : 'error';
  return { reachable: false, endpoint, reason, error: `${failure.code}: ${failure.message}` };
}

/** Reads CAR's DescribeConcurrentCount (one call: far within its own 20/s quota). */
async function carStatus(services: CliServices): Promise<CarStatus> {
  const endpoint = services.config.carEndpoint;
  let car: ReturnType<CliServices['car']>;
  try {
    car = services.car();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { reachable: false, endpoint, reason: 'credentials', error: error.message };
  }
  const result = await car.describeConcurrentCount();
  if (!result.ok) return describeFailure(endpoint, result.error);
  return { reachable: true, endpoint, running: result.value.running, total: result.value.total };
}

function renderCar(car: CarStatus): string {
  if (car.reachable) {
    return `CAR at ${car.endpoint}: ${car.running.toLocaleString('en-US')} running of ${car.total.toLocaleString('en-US')} seats`;
  }
  const lead = {
    credentials: 'CAR: not asked, Tencent credentials are missing',
    auth: `CAR at ${car.endpoint} refused the credentials`,
    unreachable: `CAR is unreachable at ${car.endpoint}`,
    error: `CAR at ${car.endpoint} answered with an error`,
  }[car.reason];
  return `${lead} (${car.error})`;
}

/** `car-reaper status`: sessions by state and CAR's Running/Total. */
export function registerStatusCommand(program: Command, ctx: CommandContext): void {
  program
    .command('status')
    .description("sessions by state, and CAR's running/total seats")
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      '\nExamples:\n  $ car-reaper status\n  $ car-reaper status --json | jq .sessions',
    )
    .action(async (options: { json?: boolean }) => {
      const services = ctx.services();
      // Counts first: DynamoDB out of reach is an error (exit 1); CAR out of reach is reported.
      const sessions = await services.store().counts();
      const now = Date.now();
      const inForce = (await services.exemptions().listExemptions()).filter((e) => e.until > now);
      const soonest = inForce[0]?.until;
      const car = await carStatus(services);
      const report: StatusReport = {
        table: services.config.tableName,
        sessions,
        totalSessions: SESSION_STATES.reduce((sum, state) => sum + (sessions[state] ?? 0), 0),
        exemptions: {
          active: inForce.length,
          soonestEnd: soonest === undefined ? null : new Date(soonest).toISOString(),
        },
        car,
        drift: car.reachable
          ? driftOf(car.running, trackedOf(sessions))
          : { carRunning: null, tracked: trackedOf(sessions), untracked: null },
      };
      if (options.json) {
        ctx.io.out(`${JSON.stringify(report)}\n`);
        return;
      }
      const rows = SESSION_STATES.map((state) => [state, sessions[state] ?? 0] as const);
      const exempt = report.exemptions.soonestEnd
        ? `${report.exemptions.active} exempt, the soonest until ${report.exemptions.soonestEnd}`
        : 'no exemptions in force';
      ctx.io.out(
        `table ${report.table}\n\n${renderTable(['state', 'sessions'], [...rows, ['total', report.totalSessions]])}\n\n${exempt}\n${renderCar(car)}\n${renderDrift(report.drift)}\n`,
      );
    });
}
