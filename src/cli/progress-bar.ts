import type { ReapProgress } from '../reaper/types.js';

/** Options of {@link renderProgressLine}. */
export interface ProgressLineOptions {
  /** The DestroySession quota the rate is shown against. */
  quotaRps: number;
  /** Terminal width; the bar shrinks to fit. @default 80 */
  columns?: number;
}

/**
 * One line of a reap's progress, e.g.
 * `[##########..........]  512/1,000  destroyed 498  failed 2  87/100 rps`.
 * Pure, so it can be tested without a terminal.
 */
export function renderProgressLine(progress: ReapProgress, options: ProgressLineOptions): string {
  const total = Math.max(progress.candidates, progress.processed);
  const fraction = total === 0 ? 0 : Math.min(1, progress.processed / total);
  const fmt = (n: number) => n.toLocaleString('en-US');
  const counts =
    `${fmt(progress.processed)}/${fmt(total)}  destroyed ${fmt(progress.destroyed)}` +
    `  failed ${fmt(progress.failed)}` +
    (progress.throttled > 0 ? `  throttled ${fmt(progress.throttled)}` : '') +
    `  ${Math.round(progress.currentRps)}/${options.quotaRps} rps`;
  const columns = options.columns ?? 80;
  // Leave one column free: writing the last column makes some terminals wrap.
  const width = Math.min(30, columns - counts.length - 5);
  if (width < 10) return counts.slice(0, columns - 1);
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]  ${counts}`;
}

/**
 * A single terminal line redrawn with `\r`, throttled so a fast run does not
 * flood the terminal. Only drawn when `redraw` is given (stdout is a TTY and CI is unset).
 */
export class ProgressBar {
  private lastDrawAt = 0;
  private drawn = false;
  private latest: ReapProgress | undefined;

  constructor(
    private readonly redraw: (line: string) => void,
    private readonly options: ProgressLineOptions & {
      /** Least time between two redraws, in ms. @default 100 */
      intervalMs?: number;
      now?: () => number;
    },
  ) {}

  /** Records progress; redraws when the interval has passed. */
  update(progress: ReapProgress): void {
    this.latest = progress;
    const now = (this.options.now ?? Date.now)();
    if (now - this.lastDrawAt < (this.options.intervalMs ?? 100)) return;
    this.lastDrawAt = now;
    this.draw();
  }

  /** Draws the final state and moves to a new line, if anything was drawn. */
  finish(write: (text: string) => void): void {
    if (this.latest) this.draw();
    if (this.drawn) write('\n');
  }

  private draw(): void {
    if (!this.latest) return;
    this.drawn = true;
    this.redraw(renderProgressLine(this.latest, this.options));
  }
}
