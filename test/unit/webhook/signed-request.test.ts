import { describe, expect, it } from 'vitest';
import { signWebhook } from '../../../src/webhook/signature.js';
import {
  MAX_WEBHOOK_BODY_BYTES,
  readSignedRequest,
  WEBHOOK_DISABLED_STATUS,
} from '../../../src/webhook/signed-request.js';

const secret = 'top-secret';
const now = 1_750_000_000_000;
const signed = (body: string, key = secret) => ({
  headers: signWebhook(key, body, Math.floor(now / 1000)),
  rawBody: body,
  secret,
  now,
});

describe('Function: readSignedRequest', () => {
  it('returns the parsed object of a well-signed body', () => {
    expect(readSignedRequest(signed('{"userId":"u-1","extra":true}'))).toEqual({
      ok: true,
      payload: { userId: 'u-1', extra: true },
    });
  });

  it('matches header names whatever their case', () => {
    const request = signed('{"userId":"u-1"}');
    const headers = {
      'x-reaper-timestamp': request.headers['X-Reaper-Timestamp'],
      'X-REAPER-SIGNATURE': request.headers['X-Reaper-Signature'],
    };
    expect(readSignedRequest({ ...request, headers }).ok).toBe(true);
  });

  it(`refuses every request with ${WEBHOOK_DISABLED_STATUS} when no secret is configured`, () => {
    const result = readSignedRequest({ ...signed('{"userId":"u-1"}'), secret: undefined });
    expect(result).toEqual({
      ok: false,
      response: {
        status: 503,
        body: { error: 'webhooks are disabled: WEBHOOK_SECRET is not set' },
      },
    });
  });

  it('answers 413 for a body over 16 KiB, even a well-signed one', () => {
    const body = JSON.stringify({ userId: 'u', pad: 'x'.repeat(MAX_WEBHOOK_BODY_BYTES) });
    const result = readSignedRequest(signed(body));
    expect(result.ok === false && result.response.status).toBe(413);
  });

  it('accepts a body of exactly 16 KiB', () => {
    const prefix = '{"userId":"u","pad":"';
    const body = `${prefix}${'x'.repeat(MAX_WEBHOOK_BODY_BYTES - prefix.length - 2)}"}`;
    expect(Buffer.byteLength(body)).toBe(MAX_WEBHOOK_BODY_BYTES);
    expect(readSignedRequest(signed(body)).ok).toBe(true);
  });

  it('answers 401 naming the problem for a bad signature', () => {
    const result = readSignedRequest(signed('{"userId":"u-1"}', 'wrong'));
    expect(result).toEqual({
      ok: false,
      response: { status: 401, body: { error: 'X-Reaper-Signature does not match the body' } },
    });
  });

  it('answers 401 for missing headers', () => {
    const result = readSignedRequest({ ...signed('{}'), headers: {} });
    expect(result.ok === false && result.response).toEqual({
      status: 401,
      body: { error: 'missing X-Reaper-Timestamp header' },
    });
  });

  it('answers 400 for a signed body that is not a JSON object', () => {
    for (const body of ['not json', '[1,2]', 'null', '"u-1"']) {
      const result = readSignedRequest(signed(body));
      expect(result.ok === false && result.response).toEqual({
        status: 400,
        body: { error: 'body must be a JSON object' },
      });
    }
  });

  it('verifies a body given as bytes', () => {
    const request = signed('{"userId":"u-1"}');
    expect(readSignedRequest({ ...request, rawBody: Buffer.from(request.rawBody) }).ok).toBe(true);
  });
});
