import type { HandlerResponse, HttpHeaders } from './http.js';
import { errorResponse, headerValue } from './http.js';
import {
  ID_HEADER,
  matchesAnyKey,
  readEnvelope,
  SIGNATURE_HEADER,
  type SignatureRefusal,
  TIMESTAMP_HEADER,
  webhookKeys,
} from './signature.js';

/** Largest accepted body, in bytes; larger ones get 413 before any parsing. */
export const MAX_WEBHOOK_BODY_BYTES = 16 * 1024;

/**
 * Status answered to every webhook while `WEBHOOK_SECRET` is unset. 503, not
 * 401: the fault is the server's configuration, not the caller's credentials,
 * and a sender that retries 5xx later will get through once the secret is set,
 * while a 401 would tell it to look for a bug in its own signing.
 */
export const WEBHOOK_DISABLED_STATUS = 503;

/**
 * Why a webhook was refused: the `reason` dimension of the `WebhookRefused`
 * metric and the field of the (sampled) refusal log line.
 */
export type RefusalReason =
  | 'disabled'
  | 'too-large'
  | SignatureRefusal
  | 'malformed-body'
  | 'wrong-type'
  | 'invalid-body'
  | 'in-progress'
  | 'unavailable';

export interface SignedRequestInput {
  headers: HttpHeaders;
  rawBody: string | Uint8Array;
  /**
   * `WEBHOOK_SECRET` (one or more `whsec_` secrets, space-separated), asked
   * only once the request's headers pass the checks that need no secret;
   * undefined refuses every request.
   */
  secrets: () => Promise<string | undefined> | string | undefined;
  /** Epoch ms. */
  now: number;
}

/** A request whose signature holds: what the handlers and the delivery log need. */
export interface SignedRequest {
  /** `webhook-id`: the delivery, accepted once. */
  id: string;
  /** `webhook-timestamp`, epoch ms. */
  signedAt: number;
  payload: Record<string, unknown>;
}

export type SignedRequestResult =
  | ({ ok: true } & SignedRequest)
  | { ok: false; reason: RefusalReason; response: HandlerResponse };

const byteLength = (body: string | Uint8Array): number =>
  typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength;

/**
 * Admits a signed webhook: size (413), headers and timestamp (401) with no
 * secret needed, so a flood of unsigned requests costs no secret lookup;
 * then secret configured (503), signature against any of the secrets (401),
 * and a JSON object body (400). Nothing is parsed before the signature holds.
 */
export async function readSignedRequest(input: SignedRequestInput): Promise<SignedRequestResult> {
  const { headers, rawBody, now } = input;
  if (byteLength(rawBody) > MAX_WEBHOOK_BODY_BYTES) {
    return refuse('too-large', 413, `body is larger than ${MAX_WEBHOOK_BODY_BYTES} bytes`);
  }
  const read = readEnvelope({
    id: headerValue(headers, ID_HEADER),
    timestamp: headerValue(headers, TIMESTAMP_HEADER),
    signature: headerValue(headers, SIGNATURE_HEADER),
    now,
  });
  if (!read.ok) return refuse(read.refusal, 401, read.reason);

  const secrets = await input.secrets();
  if (!secrets) {
    return refuse(
      'disabled',
      WEBHOOK_DISABLED_STATUS,
      'webhooks are disabled: WEBHOOK_SECRET is not set',
    );
  }
  let keys: Buffer[];
  try {
    keys = webhookKeys(secrets);
  } catch {
    // Config and the SSM cache check the value first; this is the last guard.
    return refuse('disabled', WEBHOOK_DISABLED_STATUS, 'webhooks are disabled: bad WEBHOOK_SECRET');
  }
  if (!matchesAnyKey(read.envelope, keys, rawBody)) {
    return refuse('bad-signature', 401, `${SIGNATURE_HEADER} does not match the body`);
  }

  const text = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8');
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return refuse('malformed-body', 400, 'body must be a JSON object');
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    return refuse('malformed-body', 400, 'body must be a JSON object');
  }
  return {
    ok: true,
    id: read.envelope.id,
    signedAt: Number(read.envelope.timestamp) * 1000,
    payload: payload as Record<string, unknown>,
  };
}

const refuse = (reason: RefusalReason, status: number, message: string): SignedRequestResult => ({
  ok: false,
  reason,
  response: errorResponse(status, message),
});
