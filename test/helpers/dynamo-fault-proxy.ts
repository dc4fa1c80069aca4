import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** A failure DynamoDB answers with, as its JSON protocol spells it. */
export type DynamoFaultKind = 'throttling' | 'provisioned' | 'internal' | 'unavailable';

const ANSWERS: Record<DynamoFaultKind, { status: number; type: string; message: string }> = {
  throttling: {
    status: 400,
    type: 'com.amazon.coral.availability#ThrottlingException',
    message: 'Rate of requests exceeds the allowed throughput.',
  },
  provisioned: {
    status: 400,
    type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message:
      'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  },
  internal: {
    status: 500,
    type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
    message: 'Internal server error',
  },
  unavailable: {
    status: 503,
    type: 'com.amazon.coral.availability#ServiceUnavailableException',
    message: 'Service unavailable',
  },
};

/** What the proxy does to requests; changeable while it runs. */
export interface DynamoFaultSettings {
  /** Share of matching requests that get a fault, in [0, 1]. @default 0 */
  rate: number;
  /** Faults picked uniformly. @default every kind */
  kinds: DynamoFaultKind[];
  /**
   * Operations (the `X-Amz-Target` suffix, e.g. `UpdateItem`) the faults hit.
   * @default every operation
   */
  operations?: string[];
  /** A finer filter on the request body (e.g. only the writes of `destroyed` outcomes). */
  match?: (body: string) => boolean;
  /**
   * `before`: the request never reaches DynamoDB Local (nothing happened);
   * `after`: it is applied, then the answer is replaced by the fault (the write
   * happened but the caller cannot know). @default 'before'
   */
  when: 'before' | 'after';
  /** @default Math.random */
  random: () => number;
}

/** Counters of what went through the proxy. */
export interface DynamoProxyStats {
  requests: number;
  injected: number;
  byKind: Record<DynamoFaultKind, number>;
  /** Requests per operation (`X-Amz-Target` suffix). */
  byOperation: Record<string, number>;
}

/** A running fault-injecting proxy in front of DynamoDB. */
export interface DynamoFaultProxy {
  /** Endpoint to give the SDK (`DYNAMODB_ENDPOINT`). */
  readonly endpoint: string;
  configure(settings: Partial<DynamoFaultSettings>): void;
  stats(): DynamoProxyStats;
  resetStats(): void;
  close(): Promise<void>;
}

const operationOf = (headers: IncomingHttpHeaders): string =>
  String(headers['x-amz-target'] ?? '').split('.')[1] ?? '';

const emptyStats = (): DynamoProxyStats => ({
  requests: 0,
  injected: 0,
  byKind: { throttling: 0, provisioned: 0, internal: 0, unavailable: 0 },
  byOperation: {},
});

/**
 * An HTTP proxy in front of DynamoDB Local that answers a share of requests
 * with the errors DynamoDB itself sends under throttling and outages (400
 * ThrottlingException / ProvisionedThroughputExceededException, 500
 * InternalServerError, 503 ServiceUnavailable), in DynamoDB's JSON shape, so
 * the real SDK parses and retries them as it would against AWS. Everything
 * else is forwarded byte for byte (the SigV4 signature covers the host, which
 * DynamoDB Local does not check).
 */
export async function startDynamoFaultProxy(target: string): Promise<DynamoFaultProxy> {
  const upstream = new URL(target);
  let settings: DynamoFaultSettings = {
    rate: 0,
    kinds: ['throttling', 'provisioned', 'internal', 'unavailable'],
    when: 'before',
    random: Math.random,
  };
  let stats = emptyStats();

  const pickFault = (operation: string, body: Buffer): DynamoFaultKind | undefined => {
    if (settings.operations && !settings.operations.includes(operation)) return undefined;
    if (settings.match && !settings.match(body.toString('utf8'))) return undefined;
    if (settings.rate <= 0 || settings.random() >= settings.rate) return undefined;
    const kinds = settings.kinds;
    return kinds[Math.min(kinds.length - 1, Math.floor(settings.random() * kinds.length))];
  };

  const answerFault = (res: ServerResponse, kind: DynamoFaultKind) => {
    stats.injected++;
    stats.byKind[kind]++;
    const answer = ANSWERS[kind];
    const body = JSON.stringify({ __type: answer.type, message: answer.message });
    res.writeHead(answer.status, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': randomUUID(),
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };

  const forward = (
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const out = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () =>
            resolve({
              status: answer.statusCode ?? 502,
              headers: answer.headers,
              body: Buffer.concat(chunks),
            }),
          );
          answer.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const operation = operationOf(req.headers);
      stats.requests++;
      stats.byOperation[operation] = (stats.byOperation[operation] ?? 0) + 1;
      const body = Buffer.concat(chunks);
      const fault = pickFault(operation, body);
      if (fault && settings.when === 'before') return answerFault(res, fault);
      try {
        const answer = await forward(req, body);
        if (fault) return answerFault(res, fault);
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      } catch {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    configure: (partial) => {
      settings = { ...settings, ...partial };
    },
    stats: () => structuredClone(stats),
    resetStats: () => {
      stats = emptyStats();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
