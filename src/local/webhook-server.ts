import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookDeps } from '../handlers/deps.js';
import { handleWebhookRequest } from '../handlers/webhook-request.js';

/** A transport-free request, as the cloud functions and this server both hand it to the handlers. */
export interface WebhookRequest {
  method: string;
  path: string;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  /** The body's bytes as received: signatures cover the raw bytes. */
  rawBody: Uint8Array;
}

/** What a handler answers; the body is sent as JSON. */
export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
}

export type WebhookRequestHandler = (request: WebhookRequest) => Promise<WebhookResponse>;

/** Options of {@link startWebhookServer}. */
export interface WebhookServerOptions {
  handle: WebhookRequestHandler;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /**
   * Bodies past this are answered 413 without being buffered, and the
   * connection closed; the handlers apply the contract's own (smaller)
   * limit. @default 65536
   */
  maxBufferedBytes?: number;
  /** Time to receive a whole request, headers and body; then 408 and close. @default 10_000 */
  requestTimeoutMs?: number;
  /** Time to receive the headers. @default 5_000 */
  headersTimeoutMs?: number;
  /** Connections held at once; more are refused at accept. @default 256 */
  maxConnections?: number;
}

/** A running webhook server. */
export interface WebhookServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // A declared length over the limit is refused before a byte of it is read.
    if (Number(request.headers['content-length'] ?? 0) > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.pause();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

/**
 * Serves the webhook endpoints on 127.0.0.1 with node:http, calling the same
 * transport-free handlers as the Lambda functions. Resolves once it accepts
 * connections. A slow sender is cut off (request and header timeouts), the
 * connections held at once are capped, and an oversized body is answered 413
 * and its connection closed without reading the rest.
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const limit = options.maxBufferedBytes ?? 65_536;
  const requestTimeout = options.requestTimeoutMs ?? 10_000;
  // node:http checks the timeouts on this period (30 s by default, past the timeouts themselves).
  const connectionsCheckingInterval = Math.max(100, Math.min(1000, requestTimeout / 4));
  const server: Server = createServer(
    { connectionsCheckingInterval },
    async (request, response) => {
      let answer: WebhookResponse;
      try {
        const rawBody = await readBody(request, limit);
        const headers: Record<string, string | undefined> = {};
        for (const [name, value] of Object.entries(request.headers)) {
          headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
        }
        const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
        answer = await options.handle({ method: request.method ?? 'GET', path, headers, rawBody });
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          response.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
          response.end(JSON.stringify({ error: 'body too large' }), () => request.socket.destroy());
          return;
        }
        answer = { status: 500, body: { error: 'internal error' } };
      }
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer.body));
    },
  );
  server.keepAliveTimeout = 1000;
  server.requestTimeout = requestTimeout;
  server.headersTimeout = Math.min(options.headersTimeoutMs ?? 5_000, requestTimeout);
  server.maxConnections = options.maxConnections ?? 256;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host: '127.0.0.1' }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Serves `POST /disconnect` and `POST /heartbeat` with the Lambda functions' handlers. */
export function serveWebhooks(deps: WebhookDeps, port = 0): Promise<WebhookServer> {
  return startWebhookServer({
    port,
    handle: (request) =>
      handleWebhookRequest(request.path, request.headers, request.rawBody, deps, request.method),
  });
}
