import type { Drift } from '../drift/drift.js';
import { SESSION_STATES, type SessionState } from '../sessions/session-store.js';

/** What the live view shows at one tick. */
export interface LiveSnapshot {
  /** Seconds since the stack came up. */
  uptimeSeconds: number;
  sessions: Record<SessionState, number>;
  /** Destroys over the last second, and the quota they stay within. */
  destroysPerSecond: number;
  quotaRps: number;
  /** CAR's Running/Total (DescribeConcurrentCount), or why it is unknown. */
  car: { running: number; total: number } | { error: string };
  /** Reap cycles finished, and whether one is running now. */
  reapsDone: number;
  reaping: boolean;
  /** Total destroyed by the schedule loop since start. */
  destroyedTotal: number;
  /** CAR's Running count against the sessions the table tracks, when CAR answered. */
  drift?: Drift;
  /** Idle seat time of the sessions destroyed since start (report counts), seconds. */
  idleSeatSeconds?: number;
}

const fmt = (n: number) => n.toLocaleString('en-US');

function carText(car: LiveSnapshot['car']): string {
  return 'error' in car
    ? `CAR ? (${car.error})`
    : `CAR running ${fmt(car.running)}/${fmt(car.total)}`;
}

function sessionsText(sessions: Record<SessionState, number>): string {
  return SESSION_STATES.map((state) => `${state} ${fmt(sessions[state] ?? 0)}`).join('  ');
}

/** Drift and idle seat time, when the snapshot has them. */
function reportText(s: LiveSnapshot): string | undefined {
  const parts: string[] = [];
  if (s.drift) parts.push(`untracked ${fmt(s.drift.untracked)}`);
  if (s.idleSeatSeconds !== undefined)
    parts.push(`idle seat ${fmt(Math.round(s.idleSeatSeconds))} s`);
  return parts.length > 0 ? parts.join('  ') : undefined;
}

/** One line a tick, for logs and pipes (no terminal control codes). */
export function renderLiveLine(s: LiveSnapshot): string {
  return (
    `t=${s.uptimeSeconds}s  ${sessionsText(s.sessions)}  ` +
    `destroys ${fmt(Math.round(s.destroysPerSecond))}/${s.quotaRps}/s  ` +
    `${carText(s.car)}  reaps ${s.reapsDone}${s.reaping ? ' (reaping)' : ''}` +
    (reportText(s) ? `  ${reportText(s)}` : '')
  );
}

/** The block redrawn in place on a terminal. */
export function renderLiveBlock(s: LiveSnapshot, columns = 80): string[] {
  const width = Math.max(10, Math.min(40, columns - 30));
  const bar = (value: number, max: number) => {
    const filled = max <= 0 ? 0 : Math.min(width, Math.round((value / max) * width));
    return `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
  };
  const running = 'error' in s.car ? undefined : s.car;
  return [
    `car-reaper local  up ${s.uptimeSeconds}s  reaps ${s.reapsDone}${s.reaping ? '  (reaping now)' : ''}`,
    `sessions  ${sessionsText(s.sessions)}`,
    `destroys  [${bar(s.destroysPerSecond, s.quotaRps)}] ${fmt(Math.round(s.destroysPerSecond))}/${s.quotaRps} per second  (total ${fmt(s.destroyedTotal)})`,
    running
      ? `CAR       [${bar(running.running, running.total)}] running ${fmt(running.running)} of ${fmt(running.total)} seats`
      : `CAR       ${carText(s.car)}`,
    ...(s.drift || s.idleSeatSeconds !== undefined
      ? [
          `drift     ${s.drift ? `tracked ${fmt(s.drift.tracked)} of ${fmt(s.drift.carRunning)} running, ` : ''}${reportText(s)}`.slice(
            0,
            Math.max(20, columns),
          ),
        ]
      : []),
    'Ctrl-C stops everything',
  ];
}

/**
 * Draws snapshots: on a terminal the block is redrawn in place (cursor up,
 * clear line); otherwise one line is written per tick.
 */
export class LiveView {
  private linesDrawn = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly interactive: boolean,
    private readonly columns: () => number = () => 80,
  ) {}

  draw(snapshot: LiveSnapshot): void {
    if (!this.interactive) {
      this.write(`${renderLiveLine(snapshot)}\n`);
      return;
    }
    const lines = renderLiveBlock(snapshot, this.columns());
    const up = this.linesDrawn > 0 ? `\u001b[${this.linesDrawn}A` : '';
    this.write(`${up}${lines.map((line) => `\r${line}\u001b[K`).join('\n')}\n`);
    this.linesDrawn = lines.length;
  }

  /** Writes a message above the view, which is drawn again on the next tick. */
  message(text: string): void {
    if (this.interactive && this.linesDrawn > 0) {
      this.write(`\u001b[${this.linesDrawn}A\r\u001b[J`);
      this.linesDrawn = 0;
    }
    this.write(`${text}\n`);
  }
}
