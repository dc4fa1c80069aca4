import { errorResponse, type HandlerResponse, type HttpHeaders } from '../webhook/http.js';
import { assertBodyType, WEBHOOK_TYPES, type WebhookPath } from '../webhook/payloads.js';
import { type RefusalReason, readSignedRequest } from '../webhook/signed-request.js';
import type { WebhookDeps } from './deps.js';
import { handleDisconnect } from './disconnect.js';
import { failureResponse } from './errors-to-http.js';
import { handleHeartbeat } from './heartbeat.js';

/** The webhook paths served, each `POST` only. */
export const WEBHOOK_PATHS = Object.keys(WEBHOOK_TYPES) as WebhookPath[];

/**
 * One webhook request, transport-free: what both the Lambda functions and
 * `car-reaper serve` (a plain node:http server) call. Unknown path 404, other
 * method 405 (with `allow` in the body), then the signature (413/401/503),
 * the body and its `type` (400), the delivery id (a repeat gets the first
 * answer, nothing done again), and the handler. The answer's body is
 * JSON-serialisable.
 *
 * @param rawBody the body exactly as received (bytes or UTF-8 text): it is what was signed
 * @param method @default 'POST'
 */
export async function handleWebhookRequest(
  path: string,
  headers: HttpHeaders,
  rawBody: string | Uint8Array,
  deps: WebhookDeps,
  method = 'POST',
): Promise<HandlerResponse> {
  const pathname = path.split('?')[0]?.replace(/\/+$/, '') ?? '';
  if (!(pathname in WEBHOOK_TYPES)) {
    return errorResponse(404, `no such endpoint; try ${WEBHOOK_PATHS.join(' or ')}`);
  }
  const route = pathname as WebhookPath;
  if (method.toUpperCase() !== 'POST') {
    return { status: 405, body: { error: 'method not allowed; use POST', allow: 'POST' } };
  }
  const refused = (reason: RefusalReason, response: HandlerResponse): HandlerResponse => {
    deps.onRefused?.({
      route,
      reason,
      status: response.status,
      error: String(response.body.error ?? ''),
    });
    return response;
  };

  const now = deps.clock();
  const admitted = await readSignedRequest({
    headers,
    rawBody,
    secrets: deps.webhookSecret ?? (() => deps.config.webhookSecret),
    now,
  });
  if (!admitted.ok) return refused(admitted.reason, admitted.response);
  try {
    assertBodyType(admitted.payload, route);
  } catch (error) {
    return refused('wrong-type', failureResponse(error, deps.logger, route));
  }

  let claim: Awaited<ReturnType<WebhookDeps['deliveries']['begin']>>;
  try {
    claim = await deps.deliveries.begin(admitted.id, now);
  } catch (error) {
    return refused('unavailable', failureResponse(error, deps.logger, 'webhook delivery'));
  }
  if (claim.kind === 'repeat') return claim.answer;
  if (claim.kind === 'in-progress') {
    return refused(
      'in-progress',
      errorResponse(409, 'this webhook-id is being handled; retry later'),
    );
  }

  const answer =
    route === '/disconnect'
      ? await handleDisconnect(admitted.payload, deps, admitted.signedAt)
      : await handleHeartbeat(admitted.payload, deps);
  await settleDelivery(admitted.id, answer, deps);
  if (answer.status >= 500) return refused('unavailable', answer);
  if (answer.status >= 400) return refused('invalid-body', answer);
  return answer;
}

/**
 * Keeps the answer for repeats, or forgets the id after a failure of ours
 * (5xx) so the sender's retry of the same delivery is acted on.
 */
async function settleDelivery(
  id: string,
  answer: HandlerResponse,
  deps: Pick<WebhookDeps, 'deliveries' | 'clock' | 'logger'>,
): Promise<void> {
  try {
    if (answer.status >= 500) await deps.deliveries.release(id);
    else await deps.deliveries.complete(id, answer, deps.clock());
  } catch (error) {
    // The delivery was handled; its id stays taken until its lease runs out.
    deps.logger.error('could not record a webhook delivery', {
      error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
    });
  }
}
