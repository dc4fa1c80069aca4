import { randomBytes } from 'node:crypto';
import { generateWebhookSecret } from '../webhook/signature.js';

/** The settings `car-reaper local` fills in when the environment lacks them. */
export interface LocalSecrets {
  secretId: string;
  secretKey: string;
  webhookSecret: string;
  /** Which of them were generated (shown to the user). */
  generated: Array<'TENCENTCLOUD_SECRET_ID/_KEY' | 'WEBHOOK_SECRET'>;
}

/**
 * The key pair the local emulator accepts and the reaper signs with, and the
 * webhook secret: taken from the environment when both halves are set,
 * otherwise generated for this run only.
 */
export function localSecrets(env: Record<string, string | undefined>): LocalSecrets {
  const generated: LocalSecrets['generated'] = [];
  let secretId = env.TENCENTCLOUD_SECRET_ID?.trim();
  let secretKey = env.TENCENTCLOUD_SECRET_KEY?.trim();
  if (!secretId || !secretKey) {
    // Shaped like Tencent's (AKID + 32 characters) so nothing downstream trips on the format.
    secretId = `AKIDlocal${randomBytes(16).toString('hex').slice(0, 27)}`;
    secretKey = randomBytes(24).toString('base64url');
    generated.push('TENCENTCLOUD_SECRET_ID/_KEY');
  }
  let webhookSecret = env.WEBHOOK_SECRET?.trim();
  if (!webhookSecret) {
    webhookSecret = generateWebhookSecret();
    generated.push('WEBHOOK_SECRET');
  }
  return { secretId, secretKey, webhookSecret, generated };
}
