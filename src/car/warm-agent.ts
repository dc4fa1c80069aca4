import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** Options of {@link createWarmAgent}. */
export interface WarmAgentOptions {
  /** `http:` or `https:`, the endpoint's protocol. */
  protocol: string;
  /**
   * Connections kept open beyond the most ever in use at once: the agent
   * keeps that peak plus this many open, busy or idle. @default 4
   */
  spares?: number;
  /**
   * Longest a pooled connection waits idle before the agent closes it; a
   * server's `Keep-Alive: timeout=N` hint shortens it to N - 1 s. @default 4000
   */
  idleTimeoutMs?: number;
}

/** Idle time after which servers commonly close a kept-alive connection: 5 s (Node.js) and up. */
const DEFAULT_IDLE_TIMEOUT_MS = 4000;

/**
 * How long a connection just freed may wait idle: `max`, or less when the
 * answer announced a shorter keep-alive (`Keep-Alive: timeout=5`), 1 s
 * before the server closes it.
 */
export function idleTimeoutFor(keepAliveHeader: unknown, max: number): number {
  const hint = typeof keepAliveHeader === 'string' ? /timeout=(\d+)/.exec(keepAliveHeader) : null;
  if (!hint) return max;
  return Math.max(0, Math.min(max, Number(hint[1]) * 1000 - 1000));
}

/** The answer a freed socket last carried (Node.js keeps it on the socket). */
const lastAnswerOf = (socket: Duplex): http.IncomingMessage | undefined =>
  (socket as { _httpMessage?: { res?: http.IncomingMessage } })._httpMessage?.res;

type ConnectionOptions = Parameters<http.Agent['createConnection']>[0];
interface Spare {
  socket: Socket;
  /** Removes the listeners the socket had while it waited. */
  release(): void;
}

type AgentInternals = {
  createConnection(options: ConnectionOptions, callback?: unknown): Socket;
  addRequest(request: http.ClientRequest, options: ConnectionOptions): void;
};

/** Sockets in one of the agent's per-endpoint maps (`sockets`, `freeSockets`). */
const countOf = (map: NodeJS.ReadOnlyDict<unknown[]>): number => {
  let count = 0;
  for (const list of Object.values(map)) count += list?.length ?? 0;
  return count;
};

/**
 * A keep-alive agent that keeps connections open ahead of demand. A
 * DestroySession leaves right after the store's last check; when every
 * pooled connection is busy (a burst after a pause, the first calls of a
 * run), the call would otherwise wait for a TCP (and TLS) handshake in the
 * window where a returning user is exposed. The agent keeps as many
 * connections open as were ever in use at once, plus a few spares: a burst
 * as large as any before is written at once, and whatever the server closes
 * while idle is replaced in the background.
 *
 * Spares are opened with the options of the agent's first real connection,
 * so they reach the same endpoint the same way; they do not keep the process
 * alive, and one that fails to open is not retried until the next request.
 */
export function createWarmAgent(options: WarmAgentOptions): http.Agent {
  const Base = options.protocol === 'https:' ? https.Agent : http.Agent;
  const base = Base.prototype as unknown as AgentInternals;
  const wanted = options.spares ?? 4;
  const idleMax = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  // A TLS socket is ready once its handshake is done, a TCP one once connected.
  const readyEvent = options.protocol === 'https:' ? 'secureConnect' : 'connect';

  class WarmAgent extends (Base as typeof http.Agent) {
    private readonly spare: Spare[] = [];
    private template: ConnectionOptions | undefined;
    private opening = 0;
    private destroyed = false;
    /** Most connections ever in use at once. */
    private peak = 0;

    addRequest(request: http.ClientRequest, connection: ConnectionOptions): void {
      this.peak = Math.max(this.peak, countOf(this.sockets) + 1);
      base.addRequest.call(this, request, connection);
      this.refill();
    }

    override createConnection(connection: ConnectionOptions, callback?: unknown): Socket {
      this.template ??= connection;
      const spare = this.takeSpare();
      if (spare) return spare;
      const socket = base.createConnection.call(this, connection, callback);
      // A pooled connection the server closes is made up for by a spare.
      // After the agent's own close handler has taken it out of its pool.
      socket.once('close', () => queueMicrotask(() => this.refill()));
      return socket;
    }

    // Node's agent keeps a free socket without a timer unless the agent has a `timeout`,
    // which would also time every request's socket. A server closes an idle connection
    // on its own clock; a request written at that moment fails with ECONNRESET without
    // reaching it. Closing first, 1 s before the server's announced limit, avoids that.
    override keepSocketAlive(socket: Duplex): boolean {
      const keep = (super.keepSocketAlive(socket) as unknown as boolean) !== false;
      const idleMs = idleTimeoutFor(lastAnswerOf(socket)?.headers['keep-alive'], idleMax);
      if (!keep || idleMs === 0) return false;
      // A free socket's timeout destroys it (the agent's own listener).
      (socket as Socket).setTimeout(idleMs);
      return true;
    }

    override reuseSocket(socket: Duplex, request: http.ClientRequest): void {
      // In use again: the idle timer no longer applies.
      (socket as Socket).setTimeout(0);
      super.reuseSocket(socket, request);
    }

    override destroy(): void {
      this.destroyed = true;
      for (const spare of this.spare.splice(0)) {
        spare.release();
        spare.socket.destroy();
      }
      super.destroy();
    }

    private takeSpare(): Socket | undefined {
      for (;;) {
        const spare = this.spare.shift();
        if (spare === undefined) return undefined;
        spare.release();
        if (spare.socket.destroyed || !spare.socket.writable) continue;
        spare.socket.ref();
        return spare.socket;
      }
    }

    private refill(): void {
      const template = this.template;
      if (template === undefined || this.destroyed) return;
      const open = () =>
        countOf(this.sockets) + countOf(this.freeSockets) + this.spare.length + this.opening;
      while (this.spare.length + this.opening < wanted || open() < this.peak + wanted) {
        this.opening++;
        const socket = base.createConnection.call(this, template);
        socket.unref();
        let pending = true;
        const settle = () => {
          if (!pending) return;
          pending = false;
          this.opening--;
        };
        const drop = (): void => {
          const waited = !pending;
          settle();
          release();
          const at = this.spare.indexOf(entry);
          if (at >= 0) this.spare.splice(at, 1);
          socket.destroy();
          // A spare the server closed while idle is replaced; one that never opened is not
          // (no retry loop against an endpoint that refuses connections).
          if (waited) this.refill();
        };
        const ready = (): void => {
          settle();
          if (this.destroyed || socket.destroyed) return;
          this.spare.push(entry);
        };
        const release = (): void => {
          socket.off('error', drop);
          socket.off('end', drop);
          socket.off('close', drop);
          socket.off(readyEvent, ready);
        };
        const entry: Spare = { socket, release };
        socket.on('error', drop);
        socket.on('end', drop);
        socket.on('close', drop);
        socket.once(readyEvent, ready);
      }
    }
  }

  return new WarmAgent({ keepAlive: true, keepAliveMsecs: 1000 });
}
