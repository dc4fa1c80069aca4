import { describe, expect, it } from 'vitest';
import { localSecrets } from '../../../../src/local/local-credentials.js';
import { signedCurl } from '../../../../src/local/signed-curl.js';
import { signWebhook, verifyWebhookSignature } from '../../../../src/webhook/signature.js';

describe('Function: signedCurl', () => {
  it('carries headers that verify against the body it sends', () => {
    const body = JSON.stringify({ userId: "o'brien" });
    const command = signedCurl({
      url: 'http://127.0.0.1:1234/disconnect',
      secret: 's3cret',
      body,
      timestampSeconds: 1_800_000_000,
      sign: signWebhook,
    });
    const timestamp = command.match(/X-Reaper-Timestamp: (\d+)/)?.[1];
    const signature = command.match(/X-Reaper-Signature: (sha256=[0-9a-f]+)/)?.[1];
    expect(
      verifyWebhookSignature({
        secret: 's3cret',
        timestamp,
        signature,
        rawBody: body,
        now: 1_800_000_000_000,
      }),
    ).toEqual({ ok: true });
    // The single quote inside the body is escaped for the shell.
    expect(command).toContain(`--data-raw '{"userId":"o'\\''brien"}'`);
  });
});

describe('Function: localSecrets', () => {
  it('keeps a full key pair and secret from the environment', () => {
    const secrets = localSecrets({
      TENCENTCLOUD_SECRET_ID: 'AKIDx',
      TENCENTCLOUD_SECRET_KEY: 'key',
      WEBHOOK_SECRET: 'hook',
    });
    expect(secrets).toEqual({
      secretId: 'AKIDx',
      secretKey: 'key',
      webhookSecret: 'hook',
      generated: [],
    });
  });

  it('generates what is missing, a half key pair included', () => {
    const secrets = localSecrets({ TENCENTCLOUD_SECRET_ID: 'AKIDx' });
    expect(secrets.generated).toEqual(['TENCENTCLOUD_SECRET_ID/_KEY', 'WEBHOOK_SECRET']);
    expect(secrets.secretId).toMatch(/^AKIDlocal[0-9a-f]{27}$/);
    expect(secrets.secretKey.length).toBeGreaterThanOrEqual(32);
    expect(localSecrets({}).webhookSecret).not.toBe(secrets.webhookSecret);
  });
});
