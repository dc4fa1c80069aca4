import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks (standardwebhooks.com) signing and verification with
 * node:crypto: `webhook-id`, `webhook-timestamp` (unix seconds) and
 * `webhook-signature: v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>`,
 * the key being the base64 part of a `whsec_` secret.
 */

/** Header carrying the delivery's unique id; a receiver accepts each id once. */
export const ID_HEADER = 'webhook-id';
/** Header carrying the unix time (seconds) the sender signed at. */
export const TIMESTAMP_HEADER = 'webhook-timestamp';
/** Header carrying a space-separated list of `v1,<base64>` signatures. */
export const SIGNATURE_HEADER = 'webhook-signature';
/** How far (either way) a timestamp may be from the receiver's clock. */
export const TIMESTAMP_TOLERANCE_SECONDS = 300;
/** Prefix of a Standard Webhooks secret. */
export const SECRET_PREFIX = 'whsec_';
/** Shortest accepted key, in bytes: the specification's recommended minimum. */
export const MIN_SECRET_BYTES = 24;
/** Longest accepted `webhook-id`, in characters. */
export const MAX_WEBHOOK_ID_LENGTH = 256;
/** Most signatures one `webhook-signature` header may list (a rotation needs two). */
export const MAX_SIGNATURES = 8;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const UNIX_SECONDS = /^\d{1,12}$/;
const PRINTABLE_ID = /^[\x21-\x7e]+$/;
const V1_SIGNATURE = /^v1,([A-Za-z0-9+/]{43}=)$/;

/** The headers a sender adds to a webhook request (a type alias so it fits header records). */
export type WebhookSignatureHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/**
 * The HMAC key of a `whsec_<base64>` secret. Throws a TypeError saying what is
 * wrong (never echoing the secret).
 */
export function webhookKey(secret: string): Buffer {
  if (typeof secret !== 'string' || !secret.startsWith(SECRET_PREFIX)) {
    throw new TypeError(`a webhook secret must start with ${SECRET_PREFIX}`);
  }
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!BASE64.test(encoded) || encoded.length % 4 === 1) {
    throw new TypeError(`a webhook secret must be ${SECRET_PREFIX} followed by base64`);
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_SECRET_BYTES) {
    throw new TypeError(
      `a webhook secret must hold at least ${MIN_SECRET_BYTES} bytes, got ${key.length}`,
    );
  }
  return key;
}

/**
 * The keys of a `WEBHOOK_SECRET` value: one or more `whsec_` secrets separated
 * by spaces (several during a rotation). Throws a TypeError naming the
 * position of a bad one.
 */
export function webhookKeys(secrets: string): Buffer[] {
  const parts = secrets.split(/\s+/).filter((part) => part !== '');
  if (parts.length === 0) throw new TypeError('no webhook secret given');
  return parts.map((part, index) => {
    try {
      return webhookKey(part);
    } catch (error) {
      const where = parts.length > 1 ? `secret ${index + 1} of ${parts.length}: ` : '';
      throw new TypeError(`${where}${(error as Error).message}`);
    }
  });
}

/** A new random secret, `whsec_` and 32 bytes of base64. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** A new delivery id, `msg_` and a random UUID. */
export function newWebhookId(): string {
  return `msg_${randomUUID()}`;
}

const digest = (key: Buffer, id: string, timestamp: string, body: string | Uint8Array): Buffer =>
  createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();

function assertSignable(id: string, timestampSeconds: number): void {
  if (typeof id !== 'string' || id.length > MAX_WEBHOOK_ID_LENGTH || !PRINTABLE_ID.test(id)) {
    throw new TypeError(
      `webhook id must be 1-${MAX_WEBHOOK_ID_LENGTH} printable ASCII characters without spaces`,
    );
  }
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new TypeError('webhook timestamp must be a non-negative integer of unix seconds');
  }
}

/**
 * The `webhook-signature` value for one delivery: `v1,<base64>` for each
 * secret of `secrets` (space-separated), so a sender can sign with the old
 * and the new secret during a rotation. Send `body` byte for byte as signed.
 */
export function signatureHeader(
  secrets: string,
  id: string,
  timestampSeconds: number,
  body: string | Uint8Array,
): string {
  assertSignable(id, timestampSeconds);
  const timestamp = String(timestampSeconds);
  return webhookKeys(secrets)
    .map((key) => `v1,${digest(key, id, timestamp, body).toString('base64')}`)
    .join(' ');
}

/** Options of {@link signWebhook}. */
export interface SignOptions {
  /** The delivery id; a retry of the same delivery must reuse it. @default a new random id */
  id?: string;
  /** Unix seconds. @default the current time */
  timestampSeconds?: number;
}

/**
 * The three Standard Webhooks headers for a body sent to car-reaper's
 * `/disconnect` or `/heartbeat` (or to any Standard Webhooks receiver).
 */
export function signWebhook(
  secrets: string,
  body: string | Uint8Array,
  options: SignOptions = {},
): WebhookSignatureHeaders {
  const id = options.id ?? newWebhookId();
  const timestampSeconds = options.timestampSeconds ?? Math.floor(Date.now() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signatureHeader(secrets, id, timestampSeconds, body),
  };
}

/** Why a request's signature headers were refused; each reason is a metric dimension value. */
export type SignatureRefusal = 'missing-headers' | 'malformed-headers' | 'stale' | 'bad-signature';

export type VerifyResult = { ok: true } | { ok: false; refusal: SignatureRefusal; reason: string };

/** The signature headers of a request, checked for form and freshness but not yet against a key. */
export interface WebhookEnvelope {
  id: string;
  timestamp: string;
  /** The decoded `v1` signatures (32 bytes each). */
  signatures: Buffer[];
}

export type EnvelopeResult =
  | { ok: true; envelope: WebhookEnvelope }
  | { ok: false; refusal: SignatureRefusal; reason: string };

/**
 * The checks that need no secret: headers present and well formed, timestamp
 * within the tolerance. Cheap on purpose: an unsigned flood is refused here,
 * before the secret is fetched or any HMAC computed.
 */
export function readEnvelope(input: {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
  /** Receiver's clock, epoch ms. */
  now: number;
  /** @default TIMESTAMP_TOLERANCE_SECONDS */
  toleranceSeconds?: number;
}): EnvelopeResult {
  const tolerance = input.toleranceSeconds ?? TIMESTAMP_TOLERANCE_SECONDS;
  if (input.id === undefined) return refused('missing-headers', `missing ${ID_HEADER} header`);
  if (input.timestamp === undefined) {
    return refused('missing-headers', `missing ${TIMESTAMP_HEADER} header`);
  }
  if (input.signature === undefined) {
    return refused('missing-headers', `missing ${SIGNATURE_HEADER} header`);
  }
  const id = input.id.trim();
  if (id.length === 0 || id.length > MAX_WEBHOOK_ID_LENGTH || !PRINTABLE_ID.test(id)) {
    return refused(
      'malformed-headers',
      `${ID_HEADER} must be 1-${MAX_WEBHOOK_ID_LENGTH} printable ASCII characters`,
    );
  }
  const timestamp = input.timestamp.trim();
  if (!UNIX_SECONDS.test(timestamp)) {
    return refused('malformed-headers', `${TIMESTAMP_HEADER} must be unix seconds`);
  }
  if (Math.abs(input.now / 1000 - Number(timestamp)) > tolerance) {
    return refused(
      'stale',
      `${TIMESTAMP_HEADER} is more than ${tolerance} s away from the server's clock`,
    );
  }
  const entries = input.signature.split(' ').filter((entry) => entry !== '');
  if (entries.length > MAX_SIGNATURES) {
    return refused('malformed-headers', `${SIGNATURE_HEADER} lists more than ${MAX_SIGNATURES}`);
  }
  const signatures: Buffer[] = [];
  for (const entry of entries) {
    const match = V1_SIGNATURE.exec(entry);
    if (match?.[1]) signatures.push(Buffer.from(match[1], 'base64'));
  }
  if (signatures.length === 0) {
    return refused('malformed-headers', `${SIGNATURE_HEADER} holds no "v1,<base64>" signature`);
  }
  return { ok: true, envelope: { id, timestamp, signatures } };
}

/**
 * True when one of the envelope's signatures is the HMAC of the body under one
 * of `keys`. Every comparison is constant time.
 */
export function matchesAnyKey(
  envelope: WebhookEnvelope,
  keys: readonly Buffer[],
  rawBody: string | Uint8Array,
): boolean {
  let matched = false;
  for (const key of keys) {
    const expected = digest(key, envelope.id, envelope.timestamp, rawBody);
    for (const given of envelope.signatures) {
      // Both are 32 bytes (the format check fixes the length); no early exit.
      if (timingSafeEqual(given, expected)) matched = true;
    }
  }
  return matched;
}

export interface VerifyInput {
  /** `WEBHOOK_SECRET`: one or more `whsec_` secrets separated by spaces; any verifies. */
  secrets: string;
  /** Raw header values, undefined when absent. */
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Uint8Array | string;
  /** Receiver's clock, epoch ms. */
  now: number;
  /** @default TIMESTAMP_TOLERANCE_SECONDS */
  toleranceSeconds?: number;
}

/**
 * Checks a Standard Webhooks signature. The reason on failure names what is
 * wrong but never echoes the expected digest.
 */
export function verifyWebhookSignature(input: VerifyInput): VerifyResult {
  const read = readEnvelope(input);
  if (!read.ok) return read;
  if (!matchesAnyKey(read.envelope, webhookKeys(input.secrets), input.rawBody)) {
    return refused('bad-signature', `${SIGNATURE_HEADER} does not match the body`);
  }
  return { ok: true };
}

const refused = (refusal: SignatureRefusal, reason: string) =>
  ({ ok: false, refusal, reason }) as const;
