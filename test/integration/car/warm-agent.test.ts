import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWarmAgent } from '../../../src/car/warm-agent.js';

interface Served {
  /** When the connection the request came on was accepted. */
  acceptedAt: number;
}

let server: http.Server;
let url: string;
let served: Served[];
let accepted: Set<Socket>;
const acceptedAt = new WeakMap<Socket, number>();
let connectionWaiters: (() => void)[];

beforeEach(async () => {
  served = [];
  accepted = new Set();
  connectionWaiters = [];
  server = http.createServer((req, res) => {
    served.push({ acceptedAt: acceptedAt.get(req.socket) ?? Number.NaN });
    res.end('{}');
  });
  server.on('connection', (socket: Socket) => {
    acceptedAt.set(socket, performance.now());
    accepted.add(socket);
    socket.once('close', () => accepted.delete(socket));
    for (const wake of connectionWaiters.splice(0)) wake();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Resolves once the server holds `count` open connections. */
async function connectionsOpen(count: number): Promise<void> {
  while (accepted.size < count) {
    await new Promise<void>((resolve) => connectionWaiters.push(resolve));
  }
}

function get(agent: http.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
      .on('error', reject);
  });
}

describe('createWarmAgent', () => {
  it('keeps the peak in use plus its spares open, so a burst goes out on connections opened before it', async () => {
    const agent = createWarmAgent({ protocol: 'http:', spares: 4 });
    try {
      await get(agent);
      // One request in use at once so far: it and 4 spares.
      await connectionsOpen(5);
      let burstAt = performance.now();
      await Promise.all(Array.from({ length: 5 }, () => get(agent)));
      expect(served.slice(1).every((s) => s.acceptedAt < burstAt)).toBe(true);
      // Five were in use at once: five and four spares are kept open.
      await connectionsOpen(9);
      burstAt = performance.now();
      const before = served.length;
      await Promise.all(Array.from({ length: 9 }, () => get(agent)));
      expect(served.slice(before).every((s) => s.acceptedAt < burstAt)).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('closes its spares when destroyed', async () => {
    const agent = createWarmAgent({ protocol: 'http:', spares: 3 });
    await get(agent);
    await connectionsOpen(4);
    agent.destroy();
    while (accepted.size > 0) {
      const [socket] = accepted;
      await once(socket as Socket, 'close');
    }
    expect(accepted.size).toBe(0);
  });

  it('replaces a spare the server closes while it waits', async () => {
    const agent = createWarmAgent({ protocol: 'http:', spares: 2 });
    try {
      await get(agent);
      await connectionsOpen(3);
      const first = [...accepted];
      await Promise.all(
        first.map((socket) => {
          const closed = once(socket, 'close');
          socket.destroy();
          return closed;
        }),
      );
      // The agent opens new connections to make up for the closed ones.
      await connectionsOpen(3);
      expect([...accepted].some((socket) => !first.includes(socket))).toBe(true);
    } finally {
      agent.destroy();
    }
  });
});
