/** The signing function (the webhook signer): headers for a body at a time. */
export type SignBody = (
  secret: string,
  body: string,
  timestampSeconds: number,
) => { 'X-Reaper-Timestamp': string; 'X-Reaper-Signature': string };

const quote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * A ready-to-paste `curl` for a signed webhook. The signature holds for the
 * replay window (300 s) from `timestampSeconds`.
 */
export function signedCurl(options: {
  url: string;
  secret: string;
  body: string;
  timestampSeconds: number;
  sign: SignBody;
}): string {
  const headers = options.sign(options.secret, options.body, options.timestampSeconds);
  return [
    `curl -i -X POST ${quote(options.url)}`,
    `  -H 'content-type: application/json'`,
    `  -H ${quote(`X-Reaper-Timestamp: ${headers['X-Reaper-Timestamp']}`)}`,
    `  -H ${quote(`X-Reaper-Signature: ${headers['X-Reaper-Signature']}`)}`,
    `  --data-raw ${quote(options.body)}`,
  ].join(' \\\n');
}

/**
 * The same request signed by the shell at the time it runs (openssl), for use
 * after the pre-signed one's 300 s have passed.
 */
export function resigningCurl(options: { url: string; secret: string; body: string }): string {
  return [
    `BODY=${quote(options.body)}; TS=$(date +%s)`,
    `SIG=$(printf '%s.%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac ${quote(options.secret)} | sed 's/^.* //')`,
    `curl -i -X POST ${quote(options.url)} -H 'content-type: application/json' -H "X-Reaper-Timestamp: $TS" -H "X-Reaper-Signature: sha256=$SIG" --data-raw "$BODY"`,
  ].join('; ');
}
