import { ValidationError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ReapOptions, ReapSummary } from '../reaper/types.js';
import type { ReapDeps } from './deps.js';
import { parseReapPayload, REAP_PAYLOAD_KEYS } from './reap-payload.js';
import { isScheduledEvent } from './schedule-event.js';

/**
 * One invocation of the reap function: an EventBridge scheduled event is the
 * schedule trigger (default policies); anything else is a manual payload,
 * validated strictly (throws ValidationError naming the field, before any work).
 */
export async function handleReapInvocation(event: unknown, deps: ReapDeps): Promise<ReapSummary> {
  if (isScheduledEvent(event)) assertNoReapOptions(event as Record<string, unknown>);
  const options: ReapOptions = isScheduledEvent(event)
    ? { trigger: 'schedule' }
    : { trigger: 'manual', ...parseReapPayload(event) };
  options.deadline = deps.deadline?.();
  const summary = await deps.reaper.reap(options);
  logSummary(deps.logger, summary);
  return summary;
}

/**
 * A scheduled event carries no reap options; one that does was written by
 * hand, and running it as the schedule would ignore them (a `dryRun: true`
 * destroying for real). Refused before any work, naming the first option.
 */
function assertNoReapOptions(event: Record<string, unknown>): void {
  const option = REAP_PAYLOAD_KEYS.find((key) => key in event);
  if (option === undefined) return;
  throw new ValidationError(
    option,
    'a scheduled event carries no reap options; invoke with the options alone as the payload',
  );
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
