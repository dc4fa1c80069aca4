import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Config } from '../config.js';

/** Tuning of the DynamoDB client. */
export interface DynamoDbClientOptions {
  /** Time to establish a TCP/TLS connection. @default 2000 */
  connectionTimeoutMs?: number;
  /** Time for one HTTP request to complete; the SDK then retries. @default 5000 */
  requestTimeoutMs?: number;
  /** Attempts per call, the first included (the SDK backs off between them). @default 4 */
  maxAttempts?: number;
  /** Sockets kept per host; bounds the parallel calls in flight. @default 64 */
  maxSockets?: number;
  /**
   * Credentials to sign with. By default the SDK's provider chain; against a
   * loopback endpoint (DynamoDB Local) with none in the environment, a fixed
   * pair, since DynamoDB Local accepts any.
   */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Whether `endpoint` names this machine (DynamoDB Local). */
export function isLoopbackEndpoint(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return false;
  try {
    return LOOPBACK_HOSTS.has(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

/** The endpoint a client built from `config` talks to, for error messages. */
export const endpointOf = (config: Pick<Config, 'awsRegion' | 'dynamodbEndpoint'>): string =>
  config.dynamodbEndpoint ?? `https://dynamodb.${config.awsRegion}.amazonaws.com`;

/**
 * The DynamoDB client every part of car-reaper uses (session store, shared rate
 * budget, table creation). Keep-alive sockets matter: a reap cycle issues many
 * small calls in parallel, and a new TLS handshake for each would cost more
 * than the call. The options object goes to the SDK's NodeHttpHandler
 * (`@smithy/node-http-handler`), which builds its handler from it.
 */
export function createDynamoDbClient(
  config: Pick<Config, 'awsRegion' | 'dynamodbEndpoint'>,
  options: DynamoDbClientOptions = {},
): DynamoDBClient {
  const maxSockets = options.maxSockets ?? 64;
  const agentOptions = { keepAlive: true, maxSockets };
  const env = process.env;
  const credentials =
    options.credentials ??
    (isLoopbackEndpoint(config.dynamodbEndpoint) && !env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE
      ? { accessKeyId: 'local', secretAccessKey: 'local' }
      : undefined);
  return new DynamoDBClient({
    region: config.awsRegion,
    endpoint: config.dynamodbEndpoint,
    maxAttempts: options.maxAttempts ?? 4,
    ...(credentials ? { credentials } : {}),
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 2000,
      requestTimeout: options.requestTimeoutMs ?? 5000,
      throwOnRequestTimeout: true,
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
    },
  });
}

/** The endpoint a client talks to, for messages. */
export async function resolveEndpoint(client: DynamoDBClient): Promise<string> {
  try {
    const endpoint = await client.config.endpoint?.();
    if (endpoint) {
      const port = endpoint.port ? `:${endpoint.port}` : '';
      return `${endpoint.protocol}//${endpoint.hostname}${port}${endpoint.path === '/' ? '' : endpoint.path}`;
    }
    return `https://dynamodb.${await client.config.region()}.amazonaws.com`;
  } catch {
    return 'DynamoDB';
  }
}
