import type { IncomingHttpHeaders } from 'node:http';
import {
  canonicalRequest,
  parseTc3Authorization,
  sameSignature,
  tc3Date,
  tc3Signature,
} from './tc3-signature.js';

/** The key pair (and optional STS token) the emulator accepts. */
export interface EmulatorCredentials {
  secretId: string;
  secretKey: string;
  /** When set, requests must carry it in `X-TC-Token`. */
  sessionToken?: string;
}

/** A CAR error as the emulator answers it. */
export interface CarErrorAnswer {
  code: string;
  message: string;
}

/** The request as received, before its body is parsed. */
export interface ReceivedRequest {
  method: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

const missing = (name: string): CarErrorAnswer => ({
  code: 'MissingParameter',
  message: `The request is missing a required parameter \`${name}\`.`,
});

/**
 * Checks the common parameters and the TC3-HMAC-SHA256 signature of a request,
 * in the order Tencent reports them: missing header, malformed Authorization,
 * unknown SecretId, expired timestamp, wrong signature, wrong token.
 *
 * Tolerates what tencentcloud-sdk-nodejs does against `http://127.0.0.1:PORT`:
 * its credential scope names the service after the host's first label (`127`)
 * and it signs the host without the port while sending `Host: 127.0.0.1:PORT`.
 * So the service may be `car` or the Host header's first label, and the signed
 * host may be the Host header with or without its port. Every candidate is
 * still an HMAC under the configured secret key: a wrong signature never passes.
 */
export function verifyRequest(
  request: ReceivedRequest,
  credentials: EmulatorCredentials,
  nowMs: number,
  maxSkewSeconds: number,
): CarErrorAnswer | undefined {
  const { headers } = request;
  for (const name of ['X-TC-Action', 'X-TC-Version', 'X-TC-Timestamp', 'Authorization']) {
    if (!header(headers, name.toLowerCase())) return missing(name);
  }
  const rawTimestamp = header(headers, 'x-tc-timestamp') ?? '';
  if (!/^\d{1,12}$/.test(rawTimestamp)) {
    return {
      code: 'InvalidParameterValue',
      message: 'The value of `X-TC-Timestamp` must be a unix time in seconds.',
    };
  }
  const timestamp = Number(rawTimestamp);
  const auth = parseTc3Authorization(header(headers, 'authorization') ?? '');
  if (!auth) {
    return {
      code: 'AuthFailure.InvalidAuthorization',
      message: 'The Authorization header does not follow TC3-HMAC-SHA256.',
    };
  }
  if (auth.secretId !== credentials.secretId) {
    return {
      code: 'AuthFailure.SecretIdNotFound',
      message: 'The SecretId is not found, please ensure that your SecretId is correct.',
    };
  }
  const skew = Math.abs(nowMs / 1000 - timestamp);
  if (skew > maxSkewSeconds) {
    return {
      code: 'AuthFailure.SignatureExpire',
      message: `Signature expired. Timestamp ${timestamp} is ${Math.round(skew)} s from server time; the difference must be within ${maxSkewSeconds} s.`,
    };
  }
  if (!signatureMatches(request, auth, credentials.secretKey, timestamp)) {
    return {
      code: 'AuthFailure.SignatureFailure',
      message:
        'The provided credentials could not be validated. Please check your signature is correct.',
    };
  }
  if (credentials.sessionToken && header(headers, 'x-tc-token') !== credentials.sessionToken) {
    return { code: 'AuthFailure.TokenFailure', message: 'The provided Token is invalid.' };
  }
  return undefined;
}

function signatureMatches(
  request: ReceivedRequest,
  auth: NonNullable<ReturnType<typeof parseTc3Authorization>>,
  secretKey: string,
  timestamp: number,
): boolean {
  const host = header(request.headers, 'host') ?? '';
  const acceptedServices = new Set(['car', host.split('.')[0]]);
  const signed = auth.signedHeaders;
  if (
    !acceptedServices.has(auth.service) ||
    auth.date !== tc3Date(timestamp) ||
    !signed.includes('host') ||
    !signed.includes('content-type')
  ) {
    return false;
  }
  const hostCandidates = new Set([host, host.replace(/:\d+$/, '')]);
  for (const signedHost of hostCandidates) {
    const canonicalHeaders = signed.map((name) => {
      const value = name === 'host' ? signedHost : (header(request.headers, name) ?? '');
      return `${name}:${value.trim().toLowerCase()}`;
    });
    const expected = tc3Signature({
      secretKey,
      timestamp,
      date: auth.date,
      service: auth.service,
      canonicalRequest: canonicalRequest({
        method: request.method,
        path: request.path,
        query: request.query,
        canonicalHeaders,
        signedHeaders: signed,
        body: request.body,
      }),
    });
    if (sameSignature(expected, auth.signature)) return true;
  }
  return false;
}
