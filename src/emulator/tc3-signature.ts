import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The parts of a TC3-HMAC-SHA256 `Authorization` header. */
export interface Tc3Authorization {
  secretId: string;
  /** `YYYY-MM-DD` of the credential scope. */
  date: string;
  /** Service of the credential scope (`car`; the SDK sends the host's first label). */
  service: string;
  /** Lowercase header names, in the order given. */
  signedHeaders: string[];
  /** Lowercase hex HMAC-SHA256. */
  signature: string;
}

const authorizationPattern =
  /^TC3-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{4}-\d{2}-\d{2})\/([^/\s,]+)\/tc3_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** Parses an `Authorization` header; undefined when it is not TC3-HMAC-SHA256 as documented. */
export function parseTc3Authorization(header: string): Tc3Authorization | undefined {
  const match = authorizationPattern.exec(header.trim());
  if (!match) return undefined;
  const [, secretId, date, service, signedHeaders, signature] = match;
  if (!secretId || !date || !service || !signedHeaders || !signature) return undefined;
  return { secretId, date, service, signedHeaders: signedHeaders.split(';'), signature };
}

/** UTC `YYYY-MM-DD` of a unix timestamp in seconds, as the credential scope carries it. */
export function tc3Date(timestampSeconds: number): string {
  return new Date(timestampSeconds * 1000).toISOString().slice(0, 10);
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) =>
  createHmac('sha256', key).update(data).digest();

/** What a request contributes to its canonical form. */
export interface CanonicalInput {
  method: string;
  path: string;
  query: string;
  /** `name:value` for each signed header, already lowercased and trimmed, in signing order. */
  canonicalHeaders: string[];
  signedHeaders: string[];
  body: Buffer;
}

/** The canonical request of TC3-HMAC-SHA256 (Tencent Cloud API 3.0, signature v3). */
export function canonicalRequest(input: CanonicalInput): string {
  return [
    input.method.toUpperCase(),
    input.path,
    input.query,
    `${input.canonicalHeaders.map((line) => `${line}\n`).join('')}`,
    input.signedHeaders.join(';'),
    sha256Hex(input.body),
  ].join('\n');
}

/** The hex signature of a canonical request under `secretKey`. */
export function tc3Signature(params: {
  secretKey: string;
  timestamp: number;
  date: string;
  service: string;
  canonicalRequest: string;
}): string {
  const scope = `${params.date}/${params.service}/tc3_request`;
  const stringToSign = `TC3-HMAC-SHA256\n${params.timestamp}\n${scope}\n${sha256Hex(params.canonicalRequest)}`;
  const kDate = hmac(`TC3${params.secretKey}`, params.date);
  const kService = hmac(kDate, params.service);
  const kSigning = hmac(kService, 'tc3_request');
  return createHmac('sha256', kSigning).update(stringToSign).digest('hex');
}

/** Constant-time comparison of two hex signatures. */
export function sameSignature(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
