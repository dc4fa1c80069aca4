// Lambda entry point of the reap function: the EventBridge schedule and manual
// invokes (`serverless invoke -f reap --data '{"dryRun":true}'`).
import type { Context } from 'aws-lambda';
import { systemClock } from '../clock.js';
import { handleReapInvocation } from '../handlers/reap.js';
import { isScheduledEvent } from '../handlers/schedule-event.js';
import type { ReapSummary } from '../reaper/types.js';
import { lambdaContainer } from './container.js';
import { continueIfUnfinished, type SelfInvoker } from './continuation.js';
import { deadlineFrom } from './deadline.js';
import { addScheduledRunMetrics } from './drift-metrics.js';
import { addReapMetrics } from './observability.js';
import { lambdaSelfInvoker } from './self-invoker.js';

/**
 * Time kept back from the run for in-flight DestroySession calls (each up to
 * CAR_TIMEOUT_MS, 5 s by default, plus a retry) to finish and be recorded
 * before Lambda's timeout stops the process.
 */
const DEADLINE_MARGIN_MS = 15_000;

/** Built on first use; a missing AWS_LAMBDA_FUNCTION_NAME is then logged, not fatal. */
let invoker: SelfInvoker | undefined;
const selfInvoker: SelfInvoker = {
  invoke: (payload) => {
    invoker ??= lambdaSelfInvoker();
    return invoker.invoke(payload);
  },
};

/**
 * Returns the run summary (what `serverless invoke` prints). A bad manual
 * payload or configuration throws, so the invocation fails with the message
 * naming the field; an auth failure that stopped the run is in the summary and
 * the log, and counts as an error for the alarm.
 */
export async function handler(event: unknown, context: Context): Promise<ReapSummary> {
  const container = await lambdaContainer();
  const { reaper, logger, powertoolsLogger, metrics } = container;
  powertoolsLogger.addContext(context);
  const summary = await handleReapInvocation(event, {
    reaper,
    clock: systemClock,
    logger,
    deadline: () => deadlineFrom(context, DEADLINE_MARGIN_MS, systemClock),
  });
  addReapMetrics(metrics, summary);
  // Drift, live sessions and idle seat time: once a minute, on the schedule only.
  if (isScheduledEvent(event)) await addScheduledRunMetrics(metrics, container);
  metrics.publishStoredMetrics();
  // A backlog left at the deadline goes on in a new invocation now, not at the next tick.
  await continueIfUnfinished(event, summary, { invoker: selfInvoker, logger });
  if (summary.error) {
    throw new Error(`reap run stopped: ${summary.error.code}: ${summary.error.message}`);
  }
  return summary;
}
