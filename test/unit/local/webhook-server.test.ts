import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startWebhookServer, type WebhookServer } from '../../../src/local/webhook-server.js';

let server: WebhookServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const start = (options: Parameters<typeof startWebhookServer>[0]['requestTimeoutMs'] = 10_000) =>
  startWebhookServer({
    handle: async () => ({ status: 202, body: { accepted: true } }),
    requestTimeoutMs: options,
    maxConnections: 2,
  });

/** Opens a raw connection, writes `text`, and resolves with all it read once the server closes it. */
const exchange = (port: number, text: string): { socket: Socket; closed: Promise<string> } => {
  const socket = connect(port, '127.0.0.1');
  let read = '';
  // A server closing on unread data may reset the connection: what was read is the answer.
  socket.on('error', () => {});
  socket.on('data', (chunk) => {
    read += chunk.toString();
  });
  socket.write(text);
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(read)));
  return { socket, closed };
};

describe('Function: startWebhookServer', () => {
  it('answers a sender that never finishes its body with 408 and closes the connection', async () => {
    server = await start(300);
    const { closed } = exchange(
      server.port,
      'POST /heartbeat HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{"ty',
    );
    expect(await closed).toMatch(/^HTTP\/1\.1 408/);
  });

  it('answers a declared oversized body 413 and closes without reading it', async () => {
    server = await start();
    const { closed } = exchange(
      server.port,
      'POST /heartbeat HTTP/1.1\r\nhost: x\r\ncontent-length: 1000000\r\n\r\n{"a":',
    );
    const read = await closed;
    expect(read).toMatch(/^HTTP\/1\.1 413/);
    expect(read.toLowerCase()).toContain('connection: close');
  });

  it('closes the connection after a streamed body passes the limit', async () => {
    server = await start();
    const { socket, closed } = exchange(
      server.port,
      'POST /heartbeat HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n',
    );
    const chunk = 'x'.repeat(70_000);
    socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    expect(await closed).toMatch(/^HTTP\/1\.1 413/);
  });

  it('refuses connections past its cap', async () => {
    server = await start();
    const held = [connect(server.port, '127.0.0.1'), connect(server.port, '127.0.0.1')];
    for (const socket of held) socket.on('error', () => {});
    await Promise.all(held.map((socket) => new Promise((r) => socket.once('connect', r))));
    // Accepted by the kernel, then dropped by the server with nothing written.
    const { closed } = exchange(server.port, 'POST /heartbeat HTTP/1.1\r\nhost: x\r\n\r\n');
    expect(await closed).toBe('');
    for (const socket of held) socket.destroy();
  });
});
