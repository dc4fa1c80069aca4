import type { HandlerResponse } from '../webhook/http.js';
import { parseHeartbeatPayload } from '../webhook/payloads.js';
import type { WebhookDeps } from './deps.js';
import { failureResponse } from './errors-to-http.js';

/**
 * `POST /heartbeat` after the signature is checked: records activity now for
 * one id or a batch. A repeated delivery only moves `lastActiveAt` forward.
 */
export async function handleHeartbeat(
  payload: Record<string, unknown>,
  deps: Pick<WebhookDeps, 'store' | 'clock' | 'logger'>,
): Promise<HandlerResponse> {
  try {
    const userIds = parseHeartbeatPayload(payload);
    await deps.store.recordActivity(userIds, deps.clock());
    return { status: 202, body: { accepted: true, recorded: userIds.length } };
  } catch (error) {
    return failureResponse(error, deps.logger, 'heartbeat');
  }
}
