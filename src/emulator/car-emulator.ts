import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sampleLatency } from './faults.js';
import {
  type EmulatedAction,
  type EmulatorOptions,
  type EmulatorSettings,
  ratesOf,
  resolveSettings,
  validateSettings,
} from './options.js';
import { type EmulatorState, processRequest } from './process-request.js';
import { SlidingWindowQuota } from './quota.js';
import { SessionRegistry } from './session-registry.js';

/** One request the emulator received, as tests read it back. */
export interface CallRecord {
  /** Arrival (epoch ms on the emulator's clock), when the quota counted it. */
  at: number;
  /** `X-TC-Action` as sent ('' when missing). */
  action: string;
  userId?: string;
  /** `ok`: answered with success; `error`: answered with `code`; `reset`/`hang`: injected. */
  outcome: 'ok' | 'error' | 'reset' | 'hang';
  code?: string;
  requestId: string;
}

/** A running CAR emulator. */
export interface CarEmulator {
  /** Base URL for `CAR_ENDPOINT`, e.g. `http://127.0.0.1:49152`. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops every connection, hung ones included. */
  stop(): Promise<void>;
  /** Every call received since start (or the last reset), oldest first. */
  calls(): CallRecord[];
  /** UserIds of the live sessions. */
  liveSessions(): string[];
  /** Adds live sessions directly, without calls or quota (test setup). */
  seedSessions(userIds: readonly string[]): void;
  /** Forgets calls, sessions and quota windows, and restores the settings given at start. */
  reset(): void;
  /** Changes settings while running; throws a ValidationError naming a bad field. */
  configure(settings: Partial<EmulatorSettings>): void;
}

/** Bodies beyond this are refused before any parsing (CAR's bodies are tiny). */
const maxBodyBytes = 1024 * 1024;

/**
 * Starts a local HTTP server speaking CAR API 3.0 for CreateSession,
 * DestroySession and DescribeConcurrentCount: TC3-HMAC-SHA256 verification,
 * per-action sliding-second quotas, injected latency and faults, and a
 * live-session registry. Errors are HTTP 200 with CAR's Error envelope.
 */
export async function startCarEmulator(options: EmulatorOptions = {}): Promise<CarEmulator> {
  const initial = resolveSettings(options);
  const state: EmulatorState = {
    settings: { ...initial },
    registry: new SessionRegistry(),
    failuresServed: new Map(),
    quota: new SlidingWindowQuota(
      (action) => ratesOf(state.settings.rate)[action as EmulatedAction],
    ),
  };
  let log: CallRecord[] = [];
  const timers = new Set<NodeJS.Timeout>();

  // Latency runs after the arrival is counted, so it never changes quota accounting.
  const afterLatency = (fn: () => void) => {
    const ms = sampleLatency(state.settings.latency, state.settings.random);
    if (ms <= 0) return fn();
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const at = state.settings.clock();
    const requestId = randomUUID();
    const [path = '/', query = ''] = (req.url ?? '/').split('?', 2);
    const { decision, userId } = processRequest(
      { method: req.method ?? '', path, query, headers: req.headers, body },
      at,
      state,
    );
    const record: CallRecord = {
      at,
      action: String(req.headers['x-tc-action'] ?? ''),
      outcome: decision.kind,
      requestId,
      ...(userId === undefined ? {} : { userId }),
      ...(decision.kind === 'error' ? { code: decision.error.code } : {}),
    };
    log.push(record);
    if (decision.kind === 'hang') return; // never answered; stop() drops the connection
    if (decision.kind === 'reset') {
      afterLatency(() => req.socket.resetAndDestroy());
      return;
    }
    const response =
      decision.kind === 'error'
        ? { Error: { Code: decision.error.code, Message: decision.error.message } }
        : decision.fields;
    afterLatency(() => {
      if (res.destroyed) return;
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-TC-RequestId': requestId });
      res.end(JSON.stringify({ Response: { ...response, RequestId: requestId } }));
    });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > maxBodyBytes) res.writeHead(413).end();
      else handle(req, res, Buffer.concat(chunks));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;

  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    calls: () => log.map((call) => ({ ...call })),
    liveSessions: () => state.registry.list().map((session) => session.userId),
    seedSessions: (userIds) => {
      const now = state.settings.clock();
      for (const userId of userIds) state.registry.create({ userId, createdAt: now });
    },
    reset: () => {
      log = [];
      state.registry.clear();
      state.failuresServed.clear();
      state.quota.clear();
      state.settings = { ...initial };
    },
    configure: (partial) => {
      validateSettings(partial);
      state.settings = { ...state.settings, ...partial };
    },
  };
}
