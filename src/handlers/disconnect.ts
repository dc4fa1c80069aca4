import type { ReapSummary } from '../reaper/types.js';
import type { HandlerResponse } from '../webhook/http.js';
import { parseDisconnectPayload } from '../webhook/payloads.js';
import type { WebhookDeps } from './deps.js';
import { failureResponse } from './errors-to-http.js';

/** What became of a disconnect. */
export type DisconnectAction =
  /** Recorded; the schedule destroys the session once the grace period passes. */
  | 'recorded'
  /** Grace 0: destroyed now through the engine (same limiter, outcome recorded). */
  | 'destroyed'
  /** Grace 0, but the destroy failed or was deferred; the outcome is in the table. */
  | 'destroy-pending'
  /** Grace 0, but the user was active after this disconnect: nothing destroyed. */
  | 'still-active';

/**
 * `POST /disconnect` after the signature, the body's type and the delivery id
 * are checked. Records the disconnect at `at` (default: the signed time, never
 * later than now);
 * with `DISCONNECT_GRACE_SECONDS=0` also destroys the session at once through
 * `reaper.reap({ trigger: 'webhook', userIds: [userId] })`. The grace period is
 * operator policy: a payload cannot shorten it.
 *
 * A repeated delivery never reaches here (the delivery log answers it), and the
 * immediate destroy claims the session only while it is still `disconnected`
 * and sends nothing if activity is recorded before the call goes out.
 *
 * @param signedAt the delivery's `webhook-timestamp`, epoch ms; @default now
 */
export async function handleDisconnect(
  payload: Record<string, unknown>,
  deps: WebhookDeps,
  signedAt?: number,
): Promise<HandlerResponse> {
  let userId: string;
  try {
    const now = deps.clock();
    const disconnect = parseDisconnectPayload(payload, signedAt ?? now, now);
    userId = disconnect.userId;
    await deps.store.recordDisconnect(userId, disconnect.at);
  } catch (error) {
    return failureResponse(error, deps.logger, 'disconnect');
  }
  if (deps.config.disconnectGraceSeconds > 0) {
    return accepted(userId, 'recorded');
  }
  try {
    // Claimed at its rate slot, only while still `disconnected`: a heartbeat
    // recorded after this disconnect keeps the session.
    const summary = await deps.reaper.reap({
      trigger: 'webhook',
      userIds: [userId],
      onlyDisconnected: true,
      deadline: deps.deadline?.(),
    });
    deps.logger.info('immediate destroy', { userId, summary: summaryFields(summary) });
    deps.onReapSummary?.(summary);
    // A claim refused (or a return before the send) says the user is back; a run
    // that stopped before the slot claimed nothing and left it to the schedule.
    const refused = summary.claimed === 0 && summary.skipped > 0;
    if (refused || summary.returned > 0) return accepted(userId, 'still-active');
    return accepted(userId, summary.destroyed > 0 ? 'destroyed' : 'destroy-pending');
  } catch (error) {
    // The disconnect is recorded and due now: the next scheduled run destroys it.
    deps.logger.error('immediate destroy failed; left to the schedule', {
      userId,
      error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
    });
    return accepted(userId, 'destroy-pending');
  }
}

const accepted = (userId: string, action: DisconnectAction): HandlerResponse => ({
  status: 202,
  body: { accepted: true, userId, action },
});

const summaryFields = (summary: ReapSummary) => ({
  destroyed: summary.destroyed,
  failed: summary.failed,
  retried: summary.retried,
  throttled: summary.throttled,
  skipped: summary.skipped,
  stoppedAt: summary.stoppedAt,
});
