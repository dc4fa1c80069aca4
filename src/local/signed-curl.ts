import type { WebhookSignatureHeaders } from '../webhook/signature.js';

/** The signing function (the webhook signer): headers for a body, id and time. */
export type SignBody = (
  secret: string,
  body: string,
  options: { id: string; timestampSeconds: number },
) => WebhookSignatureHeaders;

const quote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * A ready-to-paste `curl` for a signed webhook (Standard Webhooks headers).
 * It is one delivery: accepted once, within 300 s of `timestampSeconds`; run
 * again it is answered as the first time and changes nothing.
 */
export function signedCurl(options: {
  url: string;
  secret: string;
  body: string;
  id: string;
  timestampSeconds: number;
  sign: SignBody;
}): string {
  const headers = options.sign(options.secret, options.body, {
    id: options.id,
    timestampSeconds: options.timestampSeconds,
  });
  return [
    `curl -i -X POST ${quote(options.url)}`,
    `  -H 'content-type: application/json'`,
    `  -H ${quote(`webhook-id: ${headers['webhook-id']}`)}`,
    `  -H ${quote(`webhook-timestamp: ${headers['webhook-timestamp']}`)}`,
    `  -H ${quote(`webhook-signature: ${headers['webhook-signature']}`)}`,
    `  --data-raw ${quote(options.body)}`,
  ].join(' \\\n');
}

/**
 * The same request signed by the shell at the time it runs (openssl), a new
 * delivery id each run. With `secret` the line carries it; without, it reads
 * `$WEBHOOK_SECRET` from the shell (its first secret), so a secret the user
 * set is never printed.
 */
export function resigningCurl(options: { url: string; secret?: string; body: string }): string {
  // Shell parameter expansion: the first word of $WEBHOOK_SECRET.
  const fromShell = `"$\{WEBHOOK_SECRET%% *}"`;
  const secret = options.secret === undefined ? fromShell : quote(options.secret);
  return [
    `SECRET=${secret}; BODY=${quote(options.body)}; ID="msg_$(openssl rand -hex 12)"; TS=$(date +%s)`,
    `KEY=$(printf '%s' "\${SECRET#whsec_}" | openssl base64 -d -A | od -An -v -tx1 | tr -d ' \\n')`,
    `SIG=$(printf '%s.%s.%s' "$ID" "$TS" "$BODY" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$KEY" -binary | openssl base64 -A)`,
    `curl -i -X POST ${quote(options.url)} -H 'content-type: application/json' -H "webhook-id: $ID" -H "webhook-timestamp: $TS" -H "webhook-signature: v1,$SIG" --data-raw "$BODY"`,
  ].join('; ');
}
