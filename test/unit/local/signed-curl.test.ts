import { describe, expect, it } from 'vitest';
import { localSecrets } from '../../../src/local/local-credentials.js';
import { signedCurl } from '../../../src/local/signed-curl.js';
import { signWebhook, verifyWebhookSignature } from '../../../src/webhook/signature.js';
import { testWebhookSecret } from '../../helpers/webhook-fakes.js';

const secret = testWebhookSecret('curl');

describe('Function: signedCurl', () => {
  it('carries Standard Webhooks headers that verify against the body it sends', () => {
    const body = JSON.stringify({ type: 'session.disconnected', userId: "o'brien" });
    const command = signedCurl({
      url: 'http://127.0.0.1:1234/disconnect',
      secret,
      body,
      id: 'msg_curl',
      timestampSeconds: 1_800_000_000,
      sign: signWebhook,
    });
    expect(
      verifyWebhookSignature({
        secrets: secret,
        id: command.match(/webhook-id: (\S+)'/)?.[1],
        timestamp: command.match(/webhook-timestamp: (\d+)/)?.[1],
        signature: command.match(/webhook-signature: (v1,[A-Za-z0-9+/=]+)/)?.[1],
        rawBody: body,
        now: 1_800_000_000_000,
      }),
    ).toEqual({ ok: true });
    // The single quote inside the body is escaped for the shell.
    expect(command).toContain(`"userId":"o'\\''brien"}'`);
  });
});

describe('Function: localSecrets', () => {
  it('keeps a full key pair and secret from the environment', () => {
    const secrets = localSecrets({
      TENCENTCLOUD_SECRET_ID: 'AKIDx',
      TENCENTCLOUD_SECRET_KEY: 'key',
      WEBHOOK_SECRET: secret,
    });
    expect(secrets).toEqual({
      secretId: 'AKIDx',
      secretKey: 'key',
      webhookSecret: secret,
      generated: [],
    });
  });

  it('generates what is missing, a half key pair included', () => {
    const secrets = localSecrets({ TENCENTCLOUD_SECRET_ID: 'AKIDx' });
    expect(secrets.generated).toEqual(['TENCENTCLOUD_SECRET_ID/_KEY', 'WEBHOOK_SECRET']);
    expect(secrets.secretId).toMatch(/^AKIDlocal[0-9a-f]{27}$/);
    expect(secrets.secretKey.length).toBeGreaterThanOrEqual(32);
    expect(secrets.webhookSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(localSecrets({}).webhookSecret).not.toBe(secrets.webhookSecret);
  });
});
