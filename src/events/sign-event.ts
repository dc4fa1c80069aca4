import { signatureHeader, webhookKey } from '../webhook/signature.js';

/**
 * The HMAC key of a `whsec_<base64>` secret (the inbound side's rules). Throws
 * a TypeError saying what is wrong, never echoing the secret.
 */
export const eventSecretKey = (secret: string): Buffer => webhookKey(secret);

/**
 * The `webhook-signature` value of one delivery per Standard Webhooks, by
 * the same signer as the inbound webhooks:
 * `v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>`.
 */
export const signEvent = (secret: string, id: string, timestampSeconds: number, body: string) =>
  signatureHeader(secret, id, timestampSeconds, body);
