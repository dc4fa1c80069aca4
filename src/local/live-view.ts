import type { Drift } from '../drift/drift.js';
import { SESSION_STATES, type SessionState } from '../sessions/session-store.js';
import { barLine, rowsOf, truncate, wrapItems } from './fit-line.js';

/** What the live view shows at one tick. */
export interface LiveSnapshot {
  /** Seconds since the stack came up. */
  uptimeSeconds: number;
  sessions: Record<SessionState, number>;
  /**
   * Destroys CAR admitted in the last second, counted over the same sliding
   * window as its quota: never above `quotaRps` unless CAR let more through.
   */
  destroysLastSecond: number;
  quotaRps: number;
  /** DestroySession calls CAR refused with RequestLimitExceeded since start. */
  throttled: number;
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
  /** What the demo's clients received: warnings, answers to them, destroys. */
  events?: { warned: number; answered: number; reaped: number };
}

const fmt = (n: number) => n.toLocaleString('en-US');

const sessionItems = (sessions: Record<SessionState, number>): string[] =>
  SESSION_STATES.map((state) => `${state} ${fmt(sessions[state] ?? 0)}`);

const carText = (car: LiveSnapshot['car']): string =>
  'error' in car ? `CAR ? (${car.error})` : `CAR running ${fmt(car.running)}/${fmt(car.total)}`;

/** Drift and idle seat time, when the snapshot has them. */
function reportItems(s: LiveSnapshot): string[] {
  const items: string[] = [];
  if (s.drift) items.push(`untracked ${fmt(s.drift.untracked)}`);
  if (s.idleSeatSeconds !== undefined) {
    items.push(`idle seat ${fmt(Math.round(s.idleSeatSeconds))} s`);
  }
  return items;
}

const eventsText = (events: NonNullable<LiveSnapshot['events']>): string[] => [
  `warned ${fmt(events.warned)}`,
  `answered ${fmt(events.answered)}`,
  `reaped ${fmt(events.reaped)}`,
];

/** One line a tick, for logs and pipes (no terminal control codes, no width limit). */
export function renderLiveLine(s: LiveSnapshot): string {
  const report = reportItems(s);
  return (
    `t=${s.uptimeSeconds}s  ${sessionItems(s.sessions).join('  ')}  ` +
    `destroys ${fmt(s.destroysLastSecond)}/${s.quotaRps}/s  throttled ${fmt(s.throttled)}  ` +
    `${carText(s.car)}  reaps ${s.reapsDone}${s.reaping ? ' (reaping)' : ''}` +
    (report.length > 0 ? `  ${report.join('  ')}` : '') +
    (s.events ? `  ${eventsText(s.events).join('  ')}` : '')
  );
}

/**
 * The block redrawn in place on a terminal `columns` wide. Every line stops
 * short of the last column: a line that fills it leaves the cursor waiting to
 * wrap, where clearing to the end of the line would erase its last character.
 */
export function renderLiveBlock(s: LiveSnapshot, columns = 80): string[] {
  const width = Math.max(1, columns - 1);
  const label = (name: string) => name.padEnd(10);
  const header = ['car-reaper local', `up ${s.uptimeSeconds}s`, `reaps ${s.reapsDone}`];
  if (s.reaping) header.push('(reaping now)');
  const car = 'error' in s.car ? undefined : s.car;
  return [
    ...wrapItems('', header, width),
    ...wrapItems(label('sessions'), sessionItems(s.sessions), width),
    barLine(
      label('destroys'),
      s.quotaRps > 0 ? s.destroysLastSecond / s.quotaRps : 0,
      `${fmt(s.destroysLastSecond)}/${s.quotaRps} in the last second`,
      width,
    ),
    ...wrapItems(
      label(''),
      [`${fmt(s.destroyedTotal)} since start`, `${fmt(s.throttled)} throttled by CAR`],
      width,
    ),
    car
      ? barLine(
          label('CAR'),
          car.total > 0 ? car.running / car.total : 0,
          `running ${fmt(car.running)} of ${fmt(car.total)} seats`,
          width,
        )
      : truncate(`${label('CAR')}${carText(s.car)}`, width),
    ...(s.drift || s.idleSeatSeconds !== undefined
      ? wrapItems(
          label('drift'),
          [
            ...(s.drift
              ? [
                  `tracked ${fmt(s.drift.tracked)} of ${fmt(s.drift.carRunning)} running, untracked ${fmt(s.drift.untracked)}`,
                ]
              : []),
            ...(s.idleSeatSeconds !== undefined
              ? [`idle seat ${fmt(Math.round(s.idleSeatSeconds))} s`]
              : []),
          ],
          width,
        )
      : []),
    ...(s.events ? wrapItems(label('clients'), eventsText(s.events), width) : []),
    truncate('Ctrl-C stops everything', width),
  ];
}

const CLEAR_LINE = '\u001b[K';
const CLEAR_BELOW = '\u001b[J';

/**
 * Draws snapshots: on a terminal the block is redrawn in place, each line
 * overwritten (never blanked first); otherwise one line is written per tick.
 * A message goes above the block in the same write that redraws the block,
 * so the block is on screen between any two writes.
 */
export class LiveView {
  private frame: string[] = [];
  /** Lines on screen now, and the width they were drawn at. */
  private painted: string[] = [];

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
    this.frame = renderLiveBlock(snapshot, this.columns());
    this.write(`${this.toTop()}${this.paint()}`);
  }

  /** Writes a message (a log line) above the view, and the view again below it. */
  message(text: string): void {
    if (!this.interactive || this.painted.length === 0) {
      this.write(`${text}\n`);
      return;
    }
    this.write(`${this.toTop()}\r${text}${CLEAR_LINE}\n${this.paint()}`);
  }

  /** Cursor up to the first row of the block on screen (rows, should a resize rewrap it). */
  private toTop(): string {
    const rows = rowsOf(this.painted, this.columns());
    return rows > 0 ? `\u001b[${rows}A` : '';
  }

  private paint(): string {
    this.painted = this.frame;
    return `${this.frame.map((line) => `\r${line}${CLEAR_LINE}\n`).join('')}${CLEAR_BELOW}`;
  }
}
