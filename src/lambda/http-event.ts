import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HandlerResponse, HttpHeaders } from '../webhook/http.js';

/** Longest base64 text that can decode to at most `bytes` bytes. */
const base64LengthFor = (bytes: number) => Math.ceil(bytes / 3) * 4;

/**
 * The request as the transport-free handlers take it. API Gateway (httpApi,
 * payload 2.0) may base64-encode the body; the signature covers the decoded
 * bytes. A body too large to be under `maxBytes` is left encoded-size-only
 * (an over-long string), so the 413 check fires without decoding it.
 */
export function fromHttpApiEvent(
  event: APIGatewayProxyEventV2,
  maxBytes: number,
): { path: string; method: string; headers: HttpHeaders; rawBody: string | Uint8Array } {
  const body = event.body ?? '';
  let rawBody: string | Uint8Array = body;
  if (event.isBase64Encoded && body.length <= base64LengthFor(maxBytes) + 4) {
    rawBody = Buffer.from(body, 'base64');
  }
  return {
    path: event.rawPath,
    method: event.requestContext?.http?.method ?? 'POST',
    headers: event.headers ?? {},
    rawBody,
  };
}

/** A handler answer as the httpApi result (JSON body). */
export function toHttpApiResult(response: HandlerResponse): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: response.status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(response.body),
  };
}
