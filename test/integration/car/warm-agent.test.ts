import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWarmAgent, idleTimeoutFor } from '../../../src/car/warm-agent.js';

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

  it('closes an idle connection 1 s before the keep-alive the server announced, so no request meets the server closing it', async () => {
    // Node's server announces `Keep-Alive: timeout=2` and closes the connection 2 s after
    // its last answer; a request written at that moment fails with ECONNRESET unsent.
    server.keepAliveTimeout = 2000;
    const agent = createWarmAgent({ protocol: 'http:', spares: 0 });
    try {
      await get(agent);
      const [socket] = accepted as Set<Socket>;
      // 'end' on the server's side: the client closed it first; 'close' alone: the server did.
      const first = await Promise.race([
        once(socket as Socket, 'end').then(() => 'client closed'),
        once(socket as Socket, 'close').then(() => 'server closed'),
      ]);
      expect(first).toBe('client closed');
      const before = served.length;
      await get(agent);
      expect(served).toHaveLength(before + 1);
    } finally {
      agent.destroy();
    }
  });

  it('closes an idle connection after idleTimeoutMs when the server announces no keep-alive', async () => {
    server.keepAliveTimeout = 0;
    const agent = createWarmAgent({ protocol: 'http:', spares: 0, idleTimeoutMs: 200 });
    try {
      await get(agent);
      const [socket] = accepted as Set<Socket>;
      await once(socket as Socket, 'end');
      await get(agent);
      expect([...accepted].some((open) => open !== socket)).toBe(true);
    } finally {
      agent.destroy();
    }
  });
});

describe('idleTimeoutFor', () => {
  it("takes 1 s off the server's announced keep-alive, within the agent's own limit", () => {
    expect(idleTimeoutFor('timeout=5', 4000)).toBe(4000);
    expect(idleTimeoutFor('timeout=3, max=100', 4000)).toBe(2000);
    expect(idleTimeoutFor('timeout=60', 4000)).toBe(4000);
    expect(idleTimeoutFor(undefined, 4000)).toBe(4000);
    // A keep-alive of 1 s or less leaves no safe idle time: the connection is not kept.
    expect(idleTimeoutFor('timeout=1', 4000)).toBe(0);
  });
});
