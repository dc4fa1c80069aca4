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
   * Bodies past this are answered 413 without being buffered; the handlers
   * apply the contract's own (smaller) limit. @default 65536
   */
  maxBufferedBytes?: number;
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
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.resume();
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
 * transport-free handlers as the Lambda functions. Resolves once it accepts connections.
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const limit = options.maxBufferedBytes ?? 65_536;
  const server: Server = createServer(async (request, response) => {
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
      answer =
        error instanceof BodyTooLarge
          ? { status: 413, body: { error: 'body too large' } }
          : { status: 500, body: { error: 'internal error' } };
    }
    response.writeHead(answer.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(answer.body));
  });
  server.keepAliveTimeout = 1000;
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
