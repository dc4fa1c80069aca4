import { isScheduledEvent } from '../handlers/schedule-event.js';
import type { Logger } from '../logger.js';
import type { ReapSummary } from '../reaper/types.js';

/**
 * A backlog larger than one invocation can drain (100,000 sessions take ~17
 * minutes at 100/s; the reap function runs 5 minutes and one at a time) would
 * otherwise sit idle from the run's deadline until the next schedule tick.
 * So a run that stopped at its deadline with work left hands on at once: the
 * function invokes itself asynchronously with the same event. The new run
 * reads the due sessions afresh (claims keep every session to one run), and
 * its engine streams pages, so memory does not grow with the chain.
 */
export interface SelfInvoker {
  /** Starts a new invocation with `payload` without waiting for it (Lambda `Event`). */
  invoke(payload: unknown): Promise<void>;
}

/**
 * The event the next invocation should get, or undefined to let the chain end.
 * Continues only a sweep that stopped at its deadline and made progress:
 * - a schedule event is forwarded as is (the next run is a schedule run too);
 * - a manual sweep (no `userIds`, no `limit`, not a dry run) is forwarded as is;
 *   named ids would be claimed again whatever their state, and a limit is a
 *   brake the operator chose for this run, so neither is repeated;
 * - a run that claimed nothing before its deadline (every due session held by
 *   someone else) is not continued, so a chain never spins on no work.
 */
export function continuationEvent(event: unknown, summary: ReapSummary): unknown | undefined {
  if (summary.stoppedAt !== 'deadline' || summary.dryRun || summary.claimed === 0) return undefined;
  if (isScheduledEvent(event)) return event;
  if (event === undefined || event === null) return {};
  if (typeof event !== 'object' || Array.isArray(event)) return undefined;
  const payload = event as Record<string, unknown>;
  if (payload.userIds !== undefined || payload.limit !== undefined) return undefined;
  return event;
}

/** What {@link continueIfUnfinished} did. */
export type ContinuationResult = 'continued' | 'finished' | 'failed';

/**
 * Invokes the next run when {@link continuationEvent} says so. A failed
 * invoke is logged, not thrown: the run's own outcome stands, and the
 * schedule picks the backlog up at its next tick.
 */
export async function continueIfUnfinished(
  event: unknown,
  summary: ReapSummary,
  deps: { invoker: SelfInvoker; logger: Logger },
): Promise<ContinuationResult> {
  const next = continuationEvent(event, summary);
  if (next === undefined) return 'finished';
  try {
    await deps.invoker.invoke(next);
    deps.logger.info('backlog left at the deadline: next run invoked', {
      claimed: summary.claimed,
      destroyed: summary.destroyed,
    });
    return 'continued';
  } catch (error) {
    deps.logger.error('could not invoke the next run; the schedule will continue', {
      error: error instanceof Error ? error.message : String(error),
    });
    return 'failed';
  }
}
