import { realSleep, type Sleep } from '../clock.js';
import type { Reaper, ReapProgress, ReapSummary } from '../reaper/types.js';

/** Options of {@link ScheduleLoop}. */
export interface ScheduleLoopOptions {
  /** Time from the start of one reap to the start of the next. @default 5000 */
  intervalMs?: number;
  /** Called after each cycle with its summary and its number (1-based). */
  onReap?: (summary: ReapSummary, count: number) => void;
  /** Called when a cycle throws; the loop goes on. */
  onError?: (error: unknown) => void;
  sleep?: Sleep;
  now?: () => number;
}

/**
 * The local stand-in for the EventBridge schedule: one reap cycle every few
 * seconds, never two at once, until stopped. Keeps the running totals the live
 * view shows.
 */
export class ScheduleLoop {
  reapsDone = 0;
  reaping = false;
  /** Destroyed by finished cycles plus the one in progress. */
  private destroyedBefore = 0;
  private progress: ReapProgress | undefined;

  constructor(
    private readonly reaper: Reaper,
    private readonly options: ScheduleLoopOptions = {},
  ) {}

  get destroyedTotal(): number {
    return this.destroyedBefore + (this.progress?.destroyed ?? 0);
  }

  /** Runs cycles until `signal` aborts; the cycle in progress stops claiming and finishes. */
  async run(signal: AbortSignal): Promise<void> {
    const sleep = this.options.sleep ?? realSleep;
    const now = this.options.now ?? Date.now;
    const intervalMs = this.options.intervalMs ?? 5000;
    while (!signal.aborted) {
      const startedAt = now();
      this.reaping = true;
      try {
        const summary = await this.reaper.reap({
          trigger: 'schedule',
          signal,
          onProgress: (progress) => {
            this.progress = progress;
          },
        });
        this.progress = undefined;
        this.destroyedBefore += summary.destroyed;
        this.reapsDone++;
        this.options.onReap?.(summary, this.reapsDone);
      } catch (error) {
        this.progress = undefined;
        this.options.onError?.(error);
      } finally {
        this.reaping = false;
      }
      await sleep(intervalMs - (now() - startedAt), signal);
    }
  }
}
