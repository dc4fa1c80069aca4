import { createHash, createHmac } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startCarEmulator } from '../../../src/emulator/index.js';
import { testCredentials } from '../../helpers/car.js';

// TC3-HMAC-SHA256 computed here from Tencent's documented steps with node:crypto
// alone: neither the SDK nor the emulator's own signing code is used.
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) =>
  createHmac('sha256', key).update(data).digest();

interface HandSigned {
  action?: string;
  body: string;
  timestamp?: number;
  service?: string;
  secretId?: string;
  secretKey?: string;
  /** The host value put in the canonical headers. @default the Host header as sent */
  signedHost?: string;
}

const emulator = await startCarEmulator({ credentials: { ...testCredentials } });
const host = new URL(emulator.url).host;
afterAll(() => emulator.stop());
beforeEach(() => emulator.reset());

function handSign(options: HandSigned): Record<string, string> {
  const action = options.action ?? 'DestroySession';
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const service = options.service ?? 'car';
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  const contentType = 'application/json; charset=utf-8';
  const canonical = [
    'POST',
    '/',
    '',
    `content-type:${contentType}\nhost:${options.signedHost ?? host}\nx-tc-action:${action.toLowerCase()}\n`,
    'content-type;host;x-tc-action',
    sha256(options.body),
  ].join('\n');
  const scope = `${date}/${service}/tc3_request`;
  const stringToSign = `TC3-HMAC-SHA256\n${timestamp}\n${scope}\n${sha256(canonical)}`;
  const kDate = hmac(`TC3${options.secretKey ?? testCredentials.secretKey}`, date);
  const kSigning = hmac(hmac(kDate, service), 'tc3_request');
  const signature = createHmac('sha256', kSigning).update(stringToSign).digest('hex');
  return {
    Authorization: `TC3-HMAC-SHA256 Credential=${options.secretId ?? testCredentials.secretId}/${scope}, SignedHeaders=content-type;host;x-tc-action, Signature=${signature}`,
    'Content-Type': contentType,
    Host: host,
    'X-TC-Action': action,
    'X-TC-Timestamp': String(timestamp),
    'X-TC-Version': '2022-01-10',
  };
}

/** CAR's `Response` object: an Error, or the action's fields. */
interface CarResponse {
  Error?: { Code: string; Message: string };
  RequestId?: string;
}

function post(headers: Record<string, string>, body: string): Promise<CarResponse> {
  return new Promise((resolve, reject) => {
    const req = request(`${emulator.url}/`, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        expect(res.statusCode).toBe(200);
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')).Response);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const errorCode = (response: CarResponse) => response.Error?.Code;

describe('Emulator: TC3-HMAC-SHA256 computed by hand', () => {
  it('accepts a correctly hand-signed DestroySession and ends the session', async () => {
    emulator.seedSessions(['alice']);
    const body = '{"UserId":"alice"}';

    const response = await post(handSign({ body }), body);

    expect(response.Error).toBeUndefined();
    expect(response.RequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(emulator.liveSessions()).toEqual([]);
  });

  it('rejects the same request with one byte of the body changed, and changes nothing', async () => {
    emulator.seedSessions(['alice', 'alicf']);
    const headers = handSign({ body: '{"UserId":"alice"}' });

    const response = await post(headers, '{"UserId":"alicf"}');

    expect(errorCode(response)).toBe('AuthFailure.SignatureFailure');
    expect(emulator.liveSessions()).toEqual(['alice', 'alicf']);
  });

  it('rejects a signature made with another key', async () => {
    const body = '{"UserId":"alice"}';

    const response = await post(handSign({ body, secretKey: 'some-other-secret-key' }), body);

    expect(errorCode(response)).toBe('AuthFailure.SignatureFailure');
  });

  it('rejects a changed header that was signed', async () => {
    const body = '{}';
    const headers = handSign({ body, action: 'DescribeConcurrentCount' });

    const response = await post({ ...headers, 'X-TC-Action': 'DestroySession' }, body);

    expect(errorCode(response)).toBe('AuthFailure.SignatureFailure');
  });

  it('accepts what the SDK does locally: service "127" and the host signed without its port', async () => {
    const body = '{"UserId":"bob"}';
    const headers = handSign({ body, service: '127', signedHost: '127.0.0.1' });

    expect((await post(headers, body)).Error).toBeUndefined();
  });

  it('rejects a credential scope naming another service', async () => {
    const body = '{"UserId":"bob"}';

    const response = await post(handSign({ body, service: 'cvm' }), body);

    expect(errorCode(response)).toBe('AuthFailure.SignatureFailure');
  });

  it('rejects an unknown SecretId with AuthFailure.SecretIdNotFound', async () => {
    const body = '{"UserId":"bob"}';

    const response = await post(handSign({ body, secretId: 'AKIDnobody' }), body);

    expect(errorCode(response)).toBe('AuthFailure.SecretIdNotFound');
  });

  it('rejects a timestamp 301 s old with AuthFailure.SignatureExpire, and accepts 299 s', async () => {
    const body = '{"UserId":"bob"}';
    const now = Math.floor(Date.now() / 1000);
    emulator.configure({ clock: () => now * 1000 });

    const old = await post(handSign({ body, timestamp: now - 301 }), body);
    const recent = await post(handSign({ body, timestamp: now - 299 }), body);

    expect(errorCode(old)).toBe('AuthFailure.SignatureExpire');
    expect(recent.Error).toBeUndefined();
  });

  it.each(['Authorization', 'X-TC-Action', 'X-TC-Version', 'X-TC-Timestamp'])(
    'answers MissingParameter naming a missing %s header',
    async (name) => {
      const body = '{"UserId":"bob"}';
      const headers = handSign({ body });
      delete headers[name];

      const response = await post(headers, body);

      expect(errorCode(response)).toBe('MissingParameter');
      expect(response.Error?.Message).toContain(name);
    },
  );

  it('answers AuthFailure.InvalidAuthorization for a header that is not TC3', async () => {
    const body = '{"UserId":"bob"}';

    const response = await post({ ...handSign({ body }), Authorization: 'Bearer abc' }, body);

    expect(errorCode(response)).toBe('AuthFailure.InvalidAuthorization');
  });

  it('answers InvalidParameter.JsonParseError for a correctly signed body that is not JSON', async () => {
    const body = '{"UserId":';

    const response = await post(handSign({ body }), body);

    expect(errorCode(response)).toBe('InvalidParameter.JsonParseError');
  });

  it('answers MissingParameter when DestroySession has no UserId', async () => {
    const body = '{}';

    const response = await post(handSign({ body }), body);

    expect(errorCode(response)).toBe('MissingParameter');
    expect(response.Error?.Message).toContain('UserId');
  });

  it('answers InvalidAction for an action it does not speak', async () => {
    const body = '{}';

    const response = await post(handSign({ body, action: 'ApplyConcurrent' }), body);

    expect(errorCode(response)).toBe('InvalidAction');
  });

  it('records every call with its arrival, action, UserId and outcome', async () => {
    const body = '{"UserId":"carl"}';
    await post(handSign({ body }), body);
    await post(handSign({ body, secretId: 'AKIDnobody' }), body);

    const calls = emulator.calls();

    expect(calls).toMatchObject([
      { action: 'DestroySession', userId: 'carl', outcome: 'ok' },
      {
        action: 'DestroySession',
        userId: 'carl',
        outcome: 'error',
        code: 'AuthFailure.SecretIdNotFound',
      },
    ]);
    expect(calls[0]?.at).toBeTypeOf('number');
  });
});
