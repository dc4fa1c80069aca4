import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseTc3Authorization } from '../../../src/emulator/tc3-signature.js';
import { verifyRequest } from '../../../src/emulator/verify-request.js';

// The SDK's own signer, as a reference the emulator's verification must agree with.
const require = createRequire(import.meta.url);
const Sign = require('tencentcloud-sdk-nodejs/tencentcloud/common/sign.js').default as {
  sign3(params: Record<string, unknown>): string;
};

const credentials = { secretId: 'AKIDunitTest', secretKey: 'unit-test-secret-key' };
const timestamp = 1_790_000_000;
const now = timestamp * 1000;

/** A request signed exactly as tencentcloud-sdk-nodejs signs it for `url`. */
function sdkSigned(
  url: string,
  payload: Record<string, unknown>,
  secretKey = credentials.secretKey,
) {
  const host = new URL(url).host;
  const headers = { 'Content-Type': 'application/json' };
  const authorization = Sign.sign3({
    method: 'POST',
    url,
    payload,
    timestamp,
    service: host.split('.')[0],
    secretId: credentials.secretId,
    secretKey,
    multipart: false,
    headers,
  });
  return {
    method: 'POST',
    path: '/',
    query: '',
    headers: {
      authorization,
      'content-type': 'application/json',
      host,
      'x-tc-action': 'DestroySession',
      'x-tc-version': '2022-01-10',
      'x-tc-timestamp': String(timestamp),
    },
    body: Buffer.from(JSON.stringify(payload)),
  };
}

describe('Function: verifyRequest', () => {
  it.each(['http://127.0.0.1:9000/', 'http://localhost:9000/', 'https://car.tencentcloudapi.com/'])(
    'accepts what the SDK signs for %s',
    (url) => {
      expect(verifyRequest(sdkSigned(url, { UserId: 'u' }), credentials, now, 300)).toBeUndefined();
    },
  );

  it('rejects an SDK signature made with another key', () => {
    const request = sdkSigned('http://127.0.0.1:9000/', { UserId: 'u' }, 'another-key');

    expect(verifyRequest(request, credentials, now, 300)?.code).toBe(
      'AuthFailure.SignatureFailure',
    );
  });

  it('rejects an SDK-signed request whose body changed', () => {
    const request = sdkSigned('http://127.0.0.1:9000/', { UserId: 'u' });
    request.body = Buffer.from(JSON.stringify({ UserId: 'v' }));

    expect(verifyRequest(request, credentials, now, 300)?.code).toBe(
      'AuthFailure.SignatureFailure',
    );
  });

  it('rejects a request sent to another host than it was signed for', () => {
    const request = sdkSigned('http://127.0.0.1:9000/', { UserId: 'u' });
    request.headers.host = '127.0.0.2:9000';

    expect(verifyRequest(request, credentials, now, 300)?.code).toBe(
      'AuthFailure.SignatureFailure',
    );
  });

  it('measures skew with the injected clock, both ways', () => {
    const request = sdkSigned('http://127.0.0.1:9000/', { UserId: 'u' });

    expect(verifyRequest(request, credentials, now + 301_000, 300)?.code).toBe(
      'AuthFailure.SignatureExpire',
    );
    expect(verifyRequest(request, credentials, now - 301_000, 300)?.code).toBe(
      'AuthFailure.SignatureExpire',
    );
    expect(verifyRequest(request, credentials, now + 300_000, 300)).toBeUndefined();
  });

  it('requires the token when one is configured', () => {
    const request = sdkSigned('http://127.0.0.1:9000/', { UserId: 'u' });

    expect(verifyRequest(request, { ...credentials, sessionToken: 'tok' }, now, 300)?.code).toBe(
      'AuthFailure.TokenFailure',
    );
  });

  it('answers InvalidParameterValue for a timestamp that is not a number', () => {
    const request = sdkSigned('http://127.0.0.1:9000/', { UserId: 'u' });
    request.headers['x-tc-timestamp'] = 'yesterday';

    expect(verifyRequest(request, credentials, now, 300)?.code).toBe('InvalidParameterValue');
  });
});

describe('Function: parseTc3Authorization', () => {
  it('reads the credential scope, signed headers and signature', () => {
    const header = `TC3-HMAC-SHA256 Credential=AKIDx/2026-11-25/car/tc3_request, SignedHeaders=content-type;host, Signature=${'a'.repeat(64)}`;

    expect(parseTc3Authorization(header)).toEqual({
      secretId: 'AKIDx',
      date: '2026-11-25',
      service: 'car',
      signedHeaders: ['content-type', 'host'],
      signature: 'a'.repeat(64),
    });
  });

  it.each([
    '',
    'Bearer x',
    'TC3-HMAC-SHA256 Credential=AKIDx/2026-11-25/car/tc3_request, Signature=ab',
  ])('refuses %j', (header) => {
    expect(parseTc3Authorization(header)).toBeUndefined();
  });
});
