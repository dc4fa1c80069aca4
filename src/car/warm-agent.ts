import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';

/** Options of {@link createWarmAgent}. */
export interface WarmAgentOptions {
  /** `http:` or `https:`, the endpoint's protocol. */
  protocol: string;
  /**
   * Connections kept open beyond the most ever in use at once: the agent
   * keeps that peak plus this many open, busy or idle. @default 4
   */
  spares?: number;
}

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
