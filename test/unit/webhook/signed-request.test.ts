import { describe, expect, it } from 'vitest';
import { signWebhook } from '../../../src/webhook/signature.js';
import {
  MAX_WEBHOOK_BODY_BYTES,
  readSignedRequest,
  WEBHOOK_DISABLED_STATUS,
} from '../../../src/webhook/signed-request.js';
import { testWebhookSecret } from '../../helpers/webhook-fakes.js';

const secret = testWebhookSecret('signed-request');
const now = 1_750_000_000_000;
const signed = (body: string, key = secret) => ({
  headers: signWebhook(key, body, { id: 'msg_a', timestampSeconds: Math.floor(now / 1000) }),
  rawBody: body,
  secrets: () => secret as string | undefined,
  now,
});

describe('Function: readSignedRequest', () => {
  it('returns the id, signed time and parsed object of a well-signed body', async () => {
    expect(await readSignedRequest(signed('{"userId":"u-1","extra":true}'))).toEqual({
      ok: true,
      id: 'msg_a',
      signedAt: now,
      payload: { userId: 'u-1', extra: true },
    });
  });

  it('matches header names whatever their case', async () => {
    const request = signed('{"userId":"u-1"}');
    const headers = {
      'Webhook-Id': request.headers['webhook-id'],
      'WEBHOOK-TIMESTAMP': request.headers['webhook-timestamp'],
      'webhook-Signature': request.headers['webhook-signature'],
    };
    expect((await readSignedRequest({ ...request, headers })).ok).toBe(true);
  });

  it(`refuses every request with ${WEBHOOK_DISABLED_STATUS} when no secret is configured`, async () => {
    const result = await readSignedRequest({ ...signed('{}'), secrets: () => undefined });
    expect(result).toEqual({
      ok: false,
      reason: 'disabled',
      response: {
        status: 503,
        body: { error: 'webhooks are disabled: WEBHOOK_SECRET is not set' },
      },
    });
  });

  it('asks for the secret only once the headers pass the checks that need none', async () => {
    let asked = 0;
    const secrets = () => {
      asked += 1;
      return secret;
    };
    const unsigned = await readSignedRequest({ ...signed('{}'), headers: {}, secrets });
    const stale = await readSignedRequest({ ...signed('{}'), now: now + 301_000, secrets });
    expect([unsigned.ok, stale.ok, asked]).toEqual([false, false, 0]);
    await readSignedRequest({ ...signed('{}'), secrets });
    expect(asked).toBe(1);
  });

  it('answers 413 for a body over 16 KiB, even a well-signed one', async () => {
    const body = JSON.stringify({ userId: 'u', pad: 'x'.repeat(MAX_WEBHOOK_BODY_BYTES) });
    const result = await readSignedRequest(signed(body));
    expect(result.ok === false && [result.reason, result.response.status]).toEqual([
      'too-large',
      413,
    ]);
  });

  it('accepts a body of exactly 16 KiB', async () => {
    const prefix = '{"userId":"u","pad":"';
    const body = `${prefix}${'x'.repeat(MAX_WEBHOOK_BODY_BYTES - prefix.length - 2)}"}`;
    expect(Buffer.byteLength(body)).toBe(MAX_WEBHOOK_BODY_BYTES);
    expect((await readSignedRequest(signed(body))).ok).toBe(true);
  });

  it('answers 401 naming the problem for a bad signature', async () => {
    const result = await readSignedRequest(signed('{}', testWebhookSecret('wrong')));
    expect(result).toEqual({
      ok: false,
      reason: 'bad-signature',
      response: { status: 401, body: { error: 'webhook-signature does not match the body' } },
    });
  });

  it('answers 401 for missing headers', async () => {
    const result = await readSignedRequest({ ...signed('{}'), headers: {} });
    expect(result.ok === false && result.response).toEqual({
      status: 401,
      body: { error: 'missing webhook-id header' },
    });
  });

  it('answers 400 for a signed body that is not a JSON object', async () => {
    for (const body of ['not json', '[1,2]', 'null', '"u-1"']) {
      const result = await readSignedRequest(signed(body));
      expect(result.ok === false && result.response).toEqual({
        status: 400,
        body: { error: 'body must be a JSON object' },
      });
    }
  });

  it('verifies a body given as bytes', async () => {
    const request = signed('{"userId":"u-1"}');
    const bytes = { ...request, rawBody: Buffer.from(request.rawBody) };
    expect((await readSignedRequest(bytes)).ok).toBe(true);
  });
});
