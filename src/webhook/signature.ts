import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying the unix time (seconds) the sender signed at. Matched case-insensitively. */
export const TIMESTAMP_HEADER = 'X-Reaper-Timestamp';
/** Header carrying `sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>`. */
export const SIGNATURE_HEADER = 'X-Reaper-Signature';
/** How far (either way) a timestamp may be from the receiver's clock. */
export const REPLAY_WINDOW_SECONDS = 300;

const SIGNATURE_PREFIX = 'sha256=';
const HEX_DIGEST = /^[0-9a-f]{64}$/i;
const UNIX_SECONDS = /^\d{1,12}$/;

/** The headers a sender adds to a webhook request (a type alias so it fits header records). */
export type WebhookSignatureHeaders = {
  'X-Reaper-Timestamp': string;
  'X-Reaper-Signature': string;
};

const digest = (secret: string, timestamp: string, body: string | Uint8Array): Buffer =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();

/**
 * Signs a webhook body for car-reaper's `/disconnect` and `/heartbeat`
 * endpoints. Send `body` byte for byte as signed: the signature covers the raw
 * bytes, not a re-serialised object.
 *
 * @param timestampSeconds unix seconds; @default the current time
 */
export function signWebhook(
  secret: string,
  body: string | Uint8Array,
  timestampSeconds: number = Math.floor(Date.now() / 1000),
): WebhookSignatureHeaders {
  if (!secret) throw new TypeError('signWebhook: secret must be a non-empty string');
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new TypeError('signWebhook: timestampSeconds must be a non-negative integer');
  }
  const timestamp = String(timestampSeconds);
  return {
    'X-Reaper-Timestamp': timestamp,
    'X-Reaper-Signature': `${SIGNATURE_PREFIX}${digest(secret, timestamp, body).toString('hex')}`,
  };
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

export interface VerifyInput {
  secret: string;
  /** Raw `X-Reaper-Timestamp` value, undefined when absent. */
  timestamp: string | undefined;
  /** Raw `X-Reaper-Signature` value, undefined when absent. */
  signature: string | undefined;
  rawBody: Uint8Array | string;
  /** Receiver's clock, epoch ms. */
  now: number;
  /** @default REPLAY_WINDOW_SECONDS */
  windowSeconds?: number;
}

/**
 * Checks a webhook signature. The reason on failure names what is wrong but
 * never echoes the expected digest. The digest comparison is constant time.
 */
export function verifyWebhookSignature(input: VerifyInput): VerifyResult {
  const { secret, timestamp, signature, rawBody, now } = input;
  const windowSeconds = input.windowSeconds ?? REPLAY_WINDOW_SECONDS;
  if (timestamp === undefined) return fail(`missing ${TIMESTAMP_HEADER} header`);
  if (signature === undefined) return fail(`missing ${SIGNATURE_HEADER} header`);
  const ts = timestamp.trim();
  if (!UNIX_SECONDS.test(ts)) return fail(`${TIMESTAMP_HEADER} must be unix seconds`);
  const skew = Math.abs(now / 1000 - Number(ts));
  if (skew > windowSeconds) {
    return fail(`${TIMESTAMP_HEADER} is more than ${windowSeconds} s away from the server's clock`);
  }
  const sig = signature.trim();
  if (!sig.startsWith(SIGNATURE_PREFIX) || !HEX_DIGEST.test(sig.slice(SIGNATURE_PREFIX.length))) {
    return fail(`${SIGNATURE_HEADER} must be "sha256=" followed by 64 hex digits`);
  }
  const given = Buffer.from(sig.slice(SIGNATURE_PREFIX.length), 'hex');
  const expected = digest(secret, ts, rawBody);
  // timingSafeEqual throws on different lengths; the format check above already fixes it at 32.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return fail(`${SIGNATURE_HEADER} does not match the body`);
  }
  return { ok: true };
}

const fail = (reason: string): VerifyResult => ({ ok: false, reason });
