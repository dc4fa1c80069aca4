import type { Logger } from '../logger.js';
import { parseReapPayload } from '../payload/reap-payload.js';
import { isScheduledEvent } from '../payload/schedule-event.js';
import type { ReapOptions, ReapSummary } from '../reaper/types.js';
import type { ReapDeps } from './deps.js';

/**
 * One invocation of the reap function: an EventBridge scheduled event is the
 * schedule trigger (default policies); anything else is a manual payload,
 * validated strictly (throws ValidationError naming the field, before any work).
 */
export async function handleReapInvocation(event: unknown, deps: ReapDeps): Promise<ReapSummary> {
  const options: ReapOptions = isScheduledEvent(event)
    ? { trigger: 'schedule' }
    : { trigger: 'manual', ...parseReapPayload(event) };
  options.deadline = deps.deadline?.();
  const summary = await deps.reaper.reap(options);
  logSummary(deps.logger, summary);
  return summary;
}

/** One structured line per run: the figures operators chart and alarm on. */
function logSummary(logger: Logger, summary: ReapSummary): void {
  const { wouldDestroy, ...figures } = summary;
  const fields = {
    ...figures,
    ...(wouldDestroy ? { wouldDestroyCount: wouldDestroy.length } : {}),
  };
  if (summary.error) logger.error('reap run stopped', fields);
  else logger.info('reap run finished', fields);
}
