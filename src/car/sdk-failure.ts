import type { CarFailure } from './car-api.js';
import {
  classifyCarError,
  classifyHttpStatus,
  explainCarError,
  LocalCarErrorCode,
} from './error-classes.js';

/**
 * The SDK keeps only the message of a credential provider's error, so the
 * client marks it with this prefix to recognise it on the way out.
 */
export const credentialFailurePrefix = 'credentials unavailable: ';

/** Removes secret values (and any TC3 signature) from a text before it leaves the client. */
export type Redact = (text: string) => string;

/** Builds a {@link Redact} over the current secrets (read at call time: they may rotate). */
export function redactor(secrets: () => Iterable<string>): Redact {
  return (text) => {
    let out = text
      .replace(/Signature=[0-9a-fA-F]{16,}/g, 'Signature=[redacted]')
      .replace(/TC3-HMAC-SHA256 [^\s"]*(\s*,\s*[^\s",]+)*/g, 'TC3-HMAC-SHA256 [redacted]');
    for (const secret of secrets()) {
      if (secret.length >= 4) out = out.split(secret).join('[redacted]');
    }
    return out;
  };
}

interface FailureContext {
  /** True when the client's own timer aborted the call. */
  timedOut: boolean;
  timeoutMs: number;
  redact: Redact;
}

const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

function failure(
  code: string,
  message: string,
  ctx: FailureContext,
  extra: {
    requestId?: string;
    httpStatus?: number;
    classification?: ReturnType<typeof classifyCarError>;
  } = {},
): CarFailure {
  const { class: errorClass, unknown } = extra.classification ?? classifyCarError(code);
  const result: CarFailure = { class: errorClass, code, message: ctx.redact(message) };
  if (extra.requestId) result.requestId = extra.requestId;
  if (extra.httpStatus !== undefined) result.httpStatus = extra.httpStatus;
  if (unknown) result.unknown = true;
  return result;
}

/**
 * Turns anything the SDK call threw into a classified {@link CarFailure}.
 * Shapes handled (tencentcloud-sdk-nodejs 4.x over node-fetch 2):
 * - TencentCloudSDKHttpException with `code`: CAR answered an Error envelope;
 * - with `httpCode`: a status other than 200;
 * - with neither: the request failed (network, abort, node-fetch timeout), message only;
 * - FetchError / SyntaxError / TypeError thrown while reading the answer: unreadable response.
 */
export function toCarFailure(error: unknown, ctx: FailureContext): CarFailure {
  if (ctx.timedOut) {
    return failure(LocalCarErrorCode.Timeout, `CAR did not answer within ${ctx.timeoutMs} ms`, ctx);
  }
  const message = text(field(error, 'message')) ?? String(error);
  const code = text(field(error, 'code'));
  const requestId = text(field(error, 'requestId'));
  const httpCode = field(error, 'httpCode');
  const fetchType = field(error, 'type');
  const name = field(error, 'name');
  // Only the SDK's exception carries `requestId`; a raw FetchError has a Node `code` (ECONNRESET).
  const fromSdk = typeof error === 'object' && error !== null && 'requestId' in error;

  if (fromSdk && code) {
    const hint = explainCarError(code);
    return failure(code, hint ? `${message} (${hint})` : message, ctx, { requestId });
  }
  if (typeof httpCode === 'number') {
    return failure(LocalCarErrorCode.HttpError, `CAR answered HTTP ${httpCode} ${message}`, ctx, {
      requestId,
      httpStatus: httpCode,
      classification: classifyHttpStatus(httpCode),
    });
  }
  if (message.startsWith(credentialFailurePrefix)) {
    return failure(LocalCarErrorCode.CredentialsUnavailable, message, ctx);
  }
  if (
    fetchType === 'request-timeout' ||
    fetchType === 'body-timeout' ||
    /network timeout|timeout at/i.test(message)
  ) {
    return failure(LocalCarErrorCode.Timeout, `CAR timed out: ${message}`, ctx);
  }
  if (fetchType === 'invalid-json' || name === 'SyntaxError' || name === 'TypeError') {
    return failure(LocalCarErrorCode.InvalidResponse, `unreadable CAR response: ${message}`, ctx);
  }
  return failure(LocalCarErrorCode.NetworkError, `CAR request failed: ${message}`, ctx);
}
