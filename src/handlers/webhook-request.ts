import { errorResponse, type HandlerResponse, type HttpHeaders } from '../webhook/http.js';
import { readSignedRequest } from '../webhook/signed-request.js';
import type { WebhookDeps } from './deps.js';
import { handleDisconnect } from './disconnect.js';
import { handleHeartbeat } from './heartbeat.js';

const routes = {
  '/disconnect': handleDisconnect,
  '/heartbeat': handleHeartbeat,
} as const;

/** The webhook paths served, each `POST` only. */
export const WEBHOOK_PATHS = Object.keys(routes) as (keyof typeof routes)[];

/**
 * One webhook request, transport-free: what both the Lambda functions and
 * `car-reaper serve` (a plain node:http server) call. Unknown path 404, other
 * method 405 (with `allow` in the body), then signature checks and the handler.
 * The answer's body is JSON-serialisable.
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
  const handler = routes[pathname as keyof typeof routes];
  if (!handler) return errorResponse(404, `no such endpoint; try ${WEBHOOK_PATHS.join(' or ')}`);
  if (method.toUpperCase() !== 'POST') {
    return { status: 405, body: { error: 'method not allowed; use POST', allow: 'POST' } };
  }
  const admitted = readSignedRequest({
    headers,
    rawBody,
    secret: deps.config.webhookSecret,
    now: deps.clock(),
  });
  if (!admitted.ok) return admitted.response;
  return handler(admitted.payload, deps);
}
