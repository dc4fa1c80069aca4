import { describe, expect, it } from 'vitest';
import { credentialFailurePrefix, redactor, toCarFailure } from '../../../src/car/sdk-failure.js';

const secret = 'my-secret-key-value';
const ctx = { timedOut: false, timeoutMs: 5000, redact: redactor(() => [secret]) };

/** The shape tencentcloud-sdk-nodejs throws: an Error with requestId/traceId, maybe code/httpCode. */
const sdkError = (message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { requestId: '', traceId: 't-1', ...extra });

describe('Function: toCarFailure', () => {
  it('keeps CAR code, message and request id of an Error envelope', () => {
    const error = sdkError('Internal error.', { code: 'InternalError', requestId: 'r-1' });

    expect(toCarFailure(error, ctx)).toEqual({
      class: 'retryable',
      code: 'InternalError',
      message: 'Internal error.',
      requestId: 'r-1',
    });
  });

  it('explains SignatureExpire as clock skew', () => {
    const error = sdkError('Signature expired.', { code: 'AuthFailure.SignatureExpire' });

    expect(toCarFailure(error, ctx).message).toMatch(/^Signature expired\. \(.*clock is skewed/);
  });

  it('reports the client timeout when its own timer fired, whatever was thrown', () => {
    const failure = toCarFailure(sdkError('The user aborted a request.'), {
      ...ctx,
      timedOut: true,
    });

    expect(failure).toEqual({
      class: 'retryable',
      code: 'Timeout',
      message: 'CAR did not answer within 5000 ms',
    });
  });

  it('maps an HTTP status to HttpError with the status', () => {
    const failure = toCarFailure(sdkError('Service Unavailable', { httpCode: 503 }), ctx);

    expect(failure).toMatchObject({ class: 'retryable', code: 'HttpError', httpStatus: 503 });
  });

  it.each([
    [
      'node-fetch timeout',
      Object.assign(new Error('network timeout at: http://x/'), { type: 'request-timeout' }),
      'Timeout',
    ],
    ['body timeout', Object.assign(new Error('body timeout'), { type: 'body-timeout' }), 'Timeout'],
    [
      'invalid JSON',
      Object.assign(new Error('invalid json'), { type: 'invalid-json', name: 'FetchError' }),
      'InvalidResponse',
    ],
    [
      'missing Response',
      new TypeError("Cannot read properties of undefined (reading 'Error')"),
      'InvalidResponse',
    ],
    [
      'raw socket error',
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', type: 'system' }),
      'NetworkError',
    ],
    [
      'wrapped socket error',
      sdkError('request to http://x/ failed, reason: socket hang up'),
      'NetworkError',
    ],
    ['a thrown string', 'boom', 'NetworkError'],
  ])('%s becomes %s', (_, error, code) => {
    expect(toCarFailure(error, ctx).code).toBe(code);
  });

  it('a credential provider failure is class auth', () => {
    const failure = toCarFailure(sdkError(`${credentialFailurePrefix}SSM unreachable`), ctx);

    expect(failure).toMatchObject({ class: 'auth', code: 'CredentialsUnavailable' });
  });

  it('an unknown code is marked unknown', () => {
    expect(toCarFailure(sdkError('?', { code: 'Odd.Code' }), ctx)).toMatchObject({ unknown: true });
  });

  it('never lets a known secret or a signature through', () => {
    const error = sdkError(
      `failed with ${secret} and Authorization: TC3-HMAC-SHA256 Credential=AKID/2026-01-01/car/tc3_request, SignedHeaders=content-type;host, Signature=${'c'.repeat(64)}`,
    );

    const { message } = toCarFailure(error, ctx);

    expect(message).not.toContain(secret);
    expect(message).not.toContain('c'.repeat(64));
    expect(message).toContain('[redacted]');
  });
});
