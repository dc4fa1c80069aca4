import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  generateWebhookSecret,
  signatureHeader,
  signWebhook,
  verifyWebhookSignature,
  webhookKey,
  webhookKeys,
} from '../../../src/webhook/signature.js';
import { testWebhookSecret } from '../../helpers/webhook-fakes.js';

const secret = testWebhookSecret('signature');
const other = testWebhookSecret('another');
const body = '{"type":"session.disconnected","userId":"u-1"}';
const id = 'msg_1';
const t0 = 1_750_000_000;
const nowAt = (seconds: number) => seconds * 1000;

const verify = (overrides: Partial<Parameters<typeof verifyWebhookSignature>[0]> = {}) => {
  const headers = signWebhook(secret, body, { id, timestampSeconds: t0 });
  return verifyWebhookSignature({
    secrets: secret,
    id: headers['webhook-id'],
    timestamp: headers['webhook-timestamp'],
    signature: headers['webhook-signature'],
    rawBody: body,
    now: nowAt(t0),
    ...overrides,
  });
};

describe('Function: signWebhook', () => {
  it('signs id, timestamp and body with the base64 key of the whsec_ secret', () => {
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${id}.${t0}.${body}`).digest('base64');
    expect(signWebhook(secret, body, { id, timestampSeconds: t0 })).toEqual({
      'webhook-id': id,
      'webhook-timestamp': String(t0),
      'webhook-signature': `v1,${expected}`,
    });
  });

  it('gives each delivery a new id by default', () => {
    const first = signWebhook(secret, body)['webhook-id'];
    expect(first).toMatch(/^msg_[0-9a-f-]{36}$/);
    expect(signWebhook(secret, body)['webhook-id']).not.toBe(first);
  });

  it('signs bytes and the same text alike', () => {
    const options = { id, timestampSeconds: t0 };
    expect(signWebhook(secret, Buffer.from(body), options)).toEqual(
      signWebhook(secret, body, options),
    );
  });

  it('lists one signature per secret when given several', () => {
    const both = signatureHeader(`${secret} ${other}`, id, t0, body).split(' ');
    expect(both).toEqual([
      signatureHeader(secret, id, t0, body),
      signatureHeader(other, id, t0, body),
    ]);
  });

  it('refuses an unusable id or timestamp', () => {
    expect(() => signWebhook(secret, body, { id: 'has space' })).toThrow(/webhook id/);
    expect(() => signWebhook(secret, body, { id: '' })).toThrow(/webhook id/);
    expect(() => signWebhook(secret, body, { timestampSeconds: 1.5 })).toThrow(/timestamp/);
  });
});

describe('Function: webhookKey', () => {
  it('decodes a whsec_ secret of at least 24 bytes', () => {
    expect(webhookKey(secret)).toHaveLength(32);
    expect(webhookKey(generateWebhookSecret())).toHaveLength(32);
  });

  it('refuses secrets without the prefix, not base64, or too short, naming the fault', () => {
    expect(() => webhookKey('s3cret')).toThrow('must start with whsec_');
    expect(() => webhookKey('whsec_not base64!')).toThrow('followed by base64');
    expect(() => webhookKey(`whsec_${Buffer.alloc(16).toString('base64')}`)).toThrow(
      'at least 24 bytes, got 16',
    );
  });

  it('names which of several secrets is bad, never echoing it', () => {
    expect(() => webhookKeys(`${secret} whsec_c2hvcnQ=`)).toThrow(
      'secret 2 of 2: a webhook secret must hold at least 24 bytes, got 5',
    );
  });
});

describe('Function: verifyWebhookSignature', () => {
  it('accepts a good signature', () => {
    expect(verify()).toEqual({ ok: true });
  });

  it('accepts a signature made with any of the configured secrets', () => {
    expect(verify({ secrets: `${other} ${secret}` })).toEqual({ ok: true });
    expect(verify({ secrets: other }).ok).toBe(false);
  });

  it('accepts a list holding one matching signature among others', () => {
    const good = signatureHeader(secret, id, t0, body);
    const foreign = signatureHeader(other, id, t0, body);
    expect(verify({ signature: `v1a,xyz ${foreign} ${good}` })).toEqual({ ok: true });
  });

  it('accepts timestamps up to 300 s off either way', () => {
    expect(verify({ now: nowAt(t0 + 300) })).toEqual({ ok: true });
    expect(verify({ now: nowAt(t0 - 300) })).toEqual({ ok: true });
  });

  it('refuses a timestamp more than 300 s away, either way', () => {
    expect(verify({ now: nowAt(t0 + 301) })).toEqual({
      ok: false,
      refusal: 'stale',
      reason: expect.stringMatching(/webhook-timestamp is more than 300 s away/),
    });
    expect(verify({ now: nowAt(t0 - 301) }).ok).toBe(false);
  });

  it('refuses a signature made with another secret', () => {
    expect(verify({ secrets: other })).toEqual({
      ok: false,
      refusal: 'bad-signature',
      reason: 'webhook-signature does not match the body',
    });
  });

  it('refuses a changed body, id or timestamp (all three are signed)', () => {
    expect(verify({ rawBody: '{"type":"session.disconnected","userId":"u-2"}' }).ok).toBe(false);
    expect(verify({ id: 'msg_2' }).ok).toBe(false);
    expect(verify({ timestamp: String(t0 + 1) }).ok).toBe(false);
  });

  it('names a missing header', () => {
    for (const header of ['id', 'timestamp', 'signature'] as const) {
      expect(verify({ [header]: undefined })).toEqual({
        ok: false,
        refusal: 'missing-headers',
        reason: `missing webhook-${header} header`,
      });
    }
  });

  it('refuses malformed headers without comparing', () => {
    expect(verify({ timestamp: 'yesterday' }).ok).toBe(false);
    expect(verify({ id: 'a b' }).ok).toBe(false);
    expect(verify({ id: 'x'.repeat(257) }).ok).toBe(false);
    for (const signature of ['sha256=abc', 'v1,xyz', 'v2,abc', '', 'v1,']) {
      expect(verify({ signature })).toEqual({
        ok: false,
        refusal: 'malformed-headers',
        reason: 'webhook-signature holds no "v1,<base64>" signature',
      });
    }
  });
});

describe('Interoperability with the standardwebhooks package', () => {
  it('accepts what the reference implementation signs', () => {
    const reference = new Webhook(secret);
    const timestamp = new Date();
    const signature = reference.sign(id, timestamp, body);
    expect(
      verifyWebhookSignature({
        secrets: secret,
        id,
        timestamp: String(Math.floor(timestamp.getTime() / 1000)),
        signature,
        rawBody: body,
        now: timestamp.getTime(),
      }),
    ).toEqual({ ok: true });
  });

  it("passes the reference implementation's verify, one secret or two", () => {
    const headers = signWebhook(`${other} ${secret}`, body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(other).verify(body, headers)).toEqual(JSON.parse(body));
    const stranger = testWebhookSecret('stranger');
    expect(() => new Webhook(stranger).verify(body, headers)).toThrow(/No matching signature/);
  });
});
