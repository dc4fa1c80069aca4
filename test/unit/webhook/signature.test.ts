import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from '../../../src/webhook/signature.js';

const secret = 'top-secret';
const body = '{"userId":"u-1"}';
const t0 = 1_750_000_000; // unix seconds
const nowAt = (seconds: number) => seconds * 1000;

const verify = (overrides: Partial<Parameters<typeof verifyWebhookSignature>[0]> = {}) => {
  const headers = signWebhook(secret, body, t0);
  return verifyWebhookSignature({
    secret,
    timestamp: headers['X-Reaper-Timestamp'],
    signature: headers['X-Reaper-Signature'],
    rawBody: body,
    now: nowAt(t0),
    ...overrides,
  });
};

describe('Function: signWebhook', () => {
  it('signs timestamp + "." + body with HMAC-SHA256, hex, behind "sha256="', () => {
    const expected = createHmac('sha256', secret).update(`${t0}.${body}`).digest('hex');
    expect(signWebhook(secret, body, t0)).toEqual({
      'X-Reaper-Timestamp': String(t0),
      'X-Reaper-Signature': `sha256=${expected}`,
    });
  });

  it('signs bytes and text of the same body alike', () => {
    expect(signWebhook(secret, Buffer.from(body), t0)).toEqual(signWebhook(secret, body, t0));
  });

  it('refuses an empty secret and a non-integer timestamp', () => {
    expect(() => signWebhook('', body, t0)).toThrow(/secret/);
    expect(() => signWebhook(secret, body, 1.5)).toThrow(/timestampSeconds/);
  });
});

describe('Function: verifyWebhookSignature', () => {
  it('accepts a good signature', () => {
    expect(verify()).toEqual({ ok: true });
  });

  it('accepts timestamps up to 300 s off either way', () => {
    expect(verify({ now: nowAt(t0 + 300) })).toEqual({ ok: true });
    expect(verify({ now: nowAt(t0 - 300) })).toEqual({ ok: true });
  });

  it('refuses a stale timestamp (more than 300 s old)', () => {
    expect(verify({ now: nowAt(t0 + 301) })).toEqual({
      ok: false,
      reason: expect.stringMatching(/X-Reaper-Timestamp is more than 300 s away/),
    });
  });

  it('refuses a timestamp more than 300 s in the future', () => {
    expect(verify({ now: nowAt(t0 - 301) }).ok).toBe(false);
  });

  it('refuses a signature made with another secret', () => {
    expect(verify({ secret: 'other' })).toEqual({
      ok: false,
      reason: 'X-Reaper-Signature does not match the body',
    });
  });

  it('refuses a body changed after signing', () => {
    expect(verify({ rawBody: '{"userId":"u-2"}' }).ok).toBe(false);
  });

  it('refuses a re-dated request (the timestamp is signed too)', () => {
    expect(verify({ timestamp: String(t0 + 1) }).ok).toBe(false);
  });

  it('names a missing header', () => {
    expect(verify({ timestamp: undefined })).toEqual({
      ok: false,
      reason: 'missing X-Reaper-Timestamp header',
    });
    expect(verify({ signature: undefined })).toEqual({
      ok: false,
      reason: 'missing X-Reaper-Signature header',
    });
  });

  it('refuses malformed headers without comparing', () => {
    expect(verify({ timestamp: 'yesterday' }).ok).toBe(false);
    for (const signature of ['sha1=abc', 'sha256=xyz', `sha256=${'a'.repeat(63)}`, '']) {
      expect(verify({ signature })).toEqual({
        ok: false,
        reason: 'X-Reaper-Signature must be "sha256=" followed by 64 hex digits',
      });
    }
  });

  it('accepts an upper-case hex digest', () => {
    const signature = signWebhook(secret, body, t0)['X-Reaper-Signature'].toUpperCase();
    expect(verify({ signature: signature.replace('SHA256=', 'sha256=') })).toEqual({ ok: true });
  });
});
