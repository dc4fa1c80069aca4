import type { CarErrorClass } from './car-api.js';

/**
 * Codes the client makes up for failures that never reached a CAR answer.
 * They are classified in the same table as CAR's own codes.
 */
export const LocalCarErrorCode = {
  /** The request did not complete within the client's timeout. */
  Timeout: 'Timeout',
  /** Connection refused, reset, DNS failure, socket hang up... */
  NetworkError: 'NetworkError',
  /** The server answered something that is not CAR's JSON envelope. */
  InvalidResponse: 'InvalidResponse',
  /** An HTTP status other than 200 (the status is in `httpStatus`). */
  HttpError: 'HttpError',
  /** The credential provider failed or returned an incomplete key pair. */
  CredentialsUnavailable: 'CredentialsUnavailable',
} as const;

/**
 * THE classification of CAR error codes: the only place that decides how a
 * failure is handled. Exact codes first; a code not listed falls back to its
 * prefix (the part before the first `.`), so `RequestLimitExceeded.UinLimitExceeded`
 * is throttled and `InvalidParameterValue.Foo` terminal.
 *
 * Sources: CAR API 3.0's error-code list and the `CarErrorCode` tables of the
 * official SDKs (car v20220110), on top of the codes common to every API.
 */
const exactCodes: Readonly<Record<string, CarErrorClass>> = {
  // The seat is free or being freed: the destroy has nothing left to do.
  'ResourceNotFound.SessionNotFound': 'gone',
  'UnsupportedOperation.Stopping': 'gone',
  // A request for this UserId is in progress at CAR: try again shortly.
  'FailedOperation.SlowDown': 'busy',
  // Throttling: slow down, then retry.
  RequestLimitExceeded: 'throttled',
  // Transient on Tencent's side (DestroySession's documented errors included).
  InternalError: 'retryable',
  FailedOperation: 'retryable',
  'FailedOperation.ProcessTimeout': 'retryable',
  'ResourceUnavailable.AccessFailed': 'retryable',
  'ResourceUnavailable.Initialization': 'retryable',
  ServiceUnavailable: 'retryable',
  ResourceUnavailable: 'retryable',
  // Local failures.
  [LocalCarErrorCode.Timeout]: 'retryable',
  [LocalCarErrorCode.NetworkError]: 'retryable',
  [LocalCarErrorCode.InvalidResponse]: 'retryable',
  [LocalCarErrorCode.HttpError]: 'retryable',
  [LocalCarErrorCode.CredentialsUnavailable]: 'auth',
  // The request itself is wrong: retrying the same call cannot help.
  InvalidParameter: 'terminal',
  InvalidParameterValue: 'terminal',
  MissingParameter: 'terminal',
  UnknownParameter: 'terminal',
  UnauthorizedOperation: 'terminal',
  UnsupportedOperation: 'terminal',
  UnsupportedProtocol: 'terminal',
  UnsupportedRegion: 'terminal',
  InvalidAction: 'terminal',
  ActionOffline: 'terminal',
  NoSuchVersion: 'terminal',
  NoSuchProduct: 'terminal',
  InvalidRequest: 'terminal',
  RequestSizeLimitExceeded: 'terminal',
  ResourceNotFound: 'terminal',
  IpInBlacklist: 'terminal',
  IpNotInWhitelist: 'terminal',
};

/** Prefixes whose every sub-code shares one class. */
const prefixCodes: Readonly<Record<string, CarErrorClass>> = {
  RequestLimitExceeded: 'throttled',
  AuthFailure: 'auth',
  InvalidParameter: 'terminal',
  InvalidParameterValue: 'terminal',
  MissingParameter: 'terminal',
  UnauthorizedOperation: 'terminal',
  UnsupportedOperation: 'terminal',
  UnknownParameter: 'terminal',
  ResourceNotFound: 'terminal',
  InternalError: 'retryable',
  ResourceUnavailable: 'retryable',
  FailedOperation: 'retryable',
};

/** The class of a code, and whether the code was unknown to the table. */
export interface CarErrorClassification {
  class: CarErrorClass;
  /** True when neither the code nor its prefix is in the table (treated as retryable, capped). */
  unknown: boolean;
}

/**
 * Classifies a CAR error code (or one of {@link LocalCarErrorCode}).
 * An unknown code is `retryable` with `unknown: true`, so the caller caps it.
 */
export function classifyCarError(code: string): CarErrorClassification {
  const exact = exactCodes[code];
  if (exact) return { class: exact, unknown: false };
  const prefix = code.split('.', 1)[0] ?? code;
  const byPrefix = prefixCodes[prefix];
  if (byPrefix) return { class: byPrefix, unknown: false };
  return { class: 'retryable', unknown: true };
}

/**
 * Classifies an HTTP status other than 200 (CAR answers errors with 200, so any
 * other status comes from a gateway or proxy): 429 throttled, 5xx retryable,
 * anything else retryable but unknown (capped).
 */
export function classifyHttpStatus(status: number): CarErrorClassification {
  if (status === 429) return { class: 'throttled', unknown: false };
  if (status >= 500 && status <= 599) return { class: 'retryable', unknown: false };
  return { class: 'retryable', unknown: true };
}

/** Extra words for codes whose CAR message does not say what to do. */
export function explainCarError(code: string): string | undefined {
  if (code === 'AuthFailure.SignatureExpire') {
    return 'the local clock is skewed more than 300 s from Tencent Cloud time; sync it (NTP)';
  }
  if (code === 'AuthFailure.SecretIdNotFound') {
    return 'TENCENTCLOUD_SECRET_ID is not a known key: check it is not deleted or disabled';
  }
  if (code === 'AuthFailure.SignatureFailure') {
    return 'the signature does not match: check TENCENTCLOUD_SECRET_KEY';
  }
  return undefined;
}
