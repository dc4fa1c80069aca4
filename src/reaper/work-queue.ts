import type { Clock } from '../clock.js';
import type { WorkItem } from './candidate-source.js';
import type { RunRules } from './run-rules.js';
import { type Warner, warnGate } from './warner.js';

/**
 * A run's work, one admitted item at a time: the search (or the named users)
 * past the warn-first rule. The run's producer takes from it, and so does a
 * rate slot whose claim was lost, so that the slot goes to the next session
 * rather than unused.
 */
export class WorkQueue {
  /** Due sessions left for a later run because their warning is not old enough. */
  awaitingWarning = 0;
  private source: AsyncGenerator<WorkItem> | undefined;

  constructor(
    private readonly deps: {
      clock: Clock;
      rules: RunRules;
      warner: Warner | undefined;
      stopped(): boolean;
    },
  ) {}

  open(source: AsyncGenerator<WorkItem>): void {
    this.source = source;
  }

  /** Ends the search (no further reads); later takes find nothing. */
  async close(): Promise<void> {
    const source = this.source;
    this.source = undefined;
    await source?.return(undefined);
  }

  /** The next admitted item; undefined when none is left or the run stopped. */
  async take(): Promise<WorkItem | undefined> {
    for (;;) {
      const source = this.source;
      if (!source || this.deps.stopped()) return undefined;
      const next = await source.next();
      if (next.done) return undefined;
      if (this.admitted(next.value)) return next.value;
    }
  }

  /** Warn-first: an unwarned session is warned now, a recently warned one waits. */
  private admitted(item: WorkItem): boolean {
    if (!item.candidate) return true;
    const { clock, rules, warner } = this.deps;
    const gate = warnGate(item.candidate, clock(), rules.warnMsOf(item.candidate));
    if (gate === 'claim') return true;
    if (gate === 'warn') warner?.warnDue(item.candidate);
    this.awaitingWarning++;
    return false;
  }
}
