import type { HandlerResponse, HttpHeaders } from './http.js';
import { errorResponse, headerValue } from './http.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from './signature.js';

/** Largest accepted body, in bytes; larger ones get 413 before any parsing. */
export const MAX_WEBHOOK_BODY_BYTES = 16 * 1024;

/**
 * Status answered to every webhook while `WEBHOOK_SECRET` is unset. 503, not
 * 401: the fault is the server's configuration, not the caller's credentials,
 * and a sender that retries 5xx later will get through once the secret is set,
 * while a 401 would tell it to look for a bug in its own signing.
 */
export const WEBHOOK_DISABLED_STATUS = 503;

export interface SignedRequestInput {
  headers: HttpHeaders;
  rawBody: string | Uint8Array;
  /** `WEBHOOK_SECRET`; undefined refuses every request. */
  secret: string | undefined;
  /** Epoch ms. */
  now: number;
}

export type SignedRequestResult =
  | { ok: true; payload: Record<string, unknown> }
  | { ok: false; response: HandlerResponse };

const byteLength = (body: string | Uint8Array): number =>
  typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength;

/**
 * Admits a signed webhook: secret configured (503), size (413), signature and
 * replay window (401), then JSON object body (400). Only then is the payload
 * returned; nothing is parsed before the signature is checked.
 */
export function readSignedRequest(input: SignedRequestInput): SignedRequestResult {
  const { headers, rawBody, secret, now } = input;
  if (!secret) {
    return refuse(WEBHOOK_DISABLED_STATUS, 'webhooks are disabled: WEBHOOK_SECRET is not set');
  }
  if (byteLength(rawBody) > MAX_WEBHOOK_BODY_BYTES) {
    return refuse(413, `body is larger than ${MAX_WEBHOOK_BODY_BYTES} bytes`);
  }
  const verdict = verifyWebhookSignature({
    secret,
    timestamp: headerValue(headers, TIMESTAMP_HEADER),
    signature: headerValue(headers, SIGNATURE_HEADER),
    rawBody,
    now,
  });
  if (!verdict.ok) return refuse(401, verdict.reason);

  const text = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8');
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return refuse(400, 'body must be a JSON object');
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    return refuse(400, 'body must be a JSON object');
  }
  return { ok: true, payload: payload as Record<string, unknown> };
}

const refuse = (status: number, message: string): SignedRequestResult => ({
  ok: false,
  response: errorResponse(status, message),
});
