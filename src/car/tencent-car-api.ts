import type http from 'node:http';
// Deep path on purpose: the package root loads all 262 services (about 1 s of cold start).
import { Client } from 'tencentcloud-sdk-nodejs/tencentcloud/services/car/v20220110/car_client.js';
import { ConfigError } from '../errors.js';
import type { CarApi, CarFailure, CarResult, ConcurrentCount } from './car-api.js';
import { LocalCarErrorCode } from './error-classes.js';
import { credentialFailurePrefix, type Redact, redactor, toCarFailure } from './sdk-failure.js';
import { createWarmAgent } from './warm-agent.js';

/** A Tencent Cloud key pair, with the token of temporary (STS) credentials. */
export interface TencentCredentials {
  secretId: string;
  secretKey: string;
  sessionToken?: string;
}

/**
 * Fetches credentials for each request (e.g. from SSM Parameter Store). The
 * provider should cache: it is called before every CAR call.
 */
export interface SdkStyleCredentialProvider {
  getCredential(): Promise<TencentCredentials>;
}

/** Options of {@link createTencentCarApi}. */
export interface TencentCarApiOptions {
  /**
   * Static credentials, or a provider called before each request: an object
   * with `getCredential()` (the SDK's shape) or a plain async function.
   */
  credentials:
    | TencentCredentials
    | SdkStyleCredentialProvider
    | (() => Promise<TencentCredentials>);
  /** CAR base URL (`CAR_ENDPOINT`); http is allowed for the local emulator. @default 'https://car.tencentcloudapi.com' */
  endpoint?: string;
  /** Per-request timeout in ms, covering credentials, connection, answer and body. @default 5000 */
  timeoutMs?: number;
  /** Region header; CAR does not need one, and '' sends none. @default '' */
  region?: string;
  /**
   * The HTTP(S) agent. Passing one also keeps the SDK from routing through
   * `http_proxy` on its own. @default a keep-alive agent for the endpoint's
   * protocol that keeps a few connections open ahead of demand
   */
  agent?: http.Agent;
}

/** The CAR client; beyond the {@link CarApi} port it can create sessions (local stack, tests). */
export interface TencentCarApi extends CarApi {
  /** Starts a CAR session for `userId` (CreateSession). */
  createSession(
    userId: string,
    userIp: string,
    extra?: { runMode?: string; clientSession?: string },
  ): Promise<CarResult<{ requestId?: string }>>;
  /** Closes the idle keep-alive sockets of the default agent. */
  close(): void;
}

/** Both provider shapes as one; undefined for static credentials. */
function providerOf(
  credentials: TencentCarApiOptions['credentials'],
): (() => Promise<TencentCredentials>) | undefined {
  if (typeof credentials === 'function') return credentials;
  const provider = credentials as SdkStyleCredentialProvider;
  if (typeof provider.getCredential === 'function') return () => provider.getCredential();
  return undefined;
}

function parseEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ConfigError(
      'CAR_ENDPOINT',
      `must be an http(s) URL, got ${JSON.stringify(endpoint)}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(
      'CAR_ENDPOINT',
      `must be an http(s) URL, got ${JSON.stringify(endpoint)}`,
    );
  }
  if (url.pathname !== '/' || url.search !== '') {
    throw new ConfigError('CAR_ENDPOINT', 'must have no path or query: CAR API 3.0 posts to /');
  }
  return url;
}

function checkCredentials(credentials: TencentCredentials): string | undefined {
  if (!credentials.secretId) return 'secretId is missing';
  if (!credentials.secretKey) return 'secretKey is missing';
  return undefined;
}

/**
 * The {@link CarApi} on tencentcloud-sdk-nodejs. Never throws from a call:
 * every failure is a classified {@link CarFailure}, with secrets removed.
 * Throws a {@link ConfigError} at construction for a bad endpoint, timeout or key pair.
 */
export function createTencentCarApi(options: TencentCarApiOptions): TencentCarApi {
  const url = parseEndpoint(options.endpoint ?? 'https://car.tencentcloudapi.com');
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ConfigError('CAR_TIMEOUT_MS', `must be a positive number, got ${timeoutMs}`);
  }
  const provider = providerOf(options.credentials);
  const fixed = provider ? undefined : (options.credentials as TencentCredentials);
  if (fixed) {
    const problem = checkCredentials(fixed);
    if (problem) throw new ConfigError('TENCENTCLOUD_SECRET_ID', `credentials: ${problem}`);
  }

  // Every secret value seen so far, so that no message can carry one out.
  const secrets = new Set<string>();
  const remember = (c: TencentCredentials) => {
    secrets.add(c.secretKey);
    if (c.sessionToken) secrets.add(c.sessionToken);
    return c;
  };
  if (fixed) remember(fixed);
  const redact: Redact = redactor(() => secrets);

  const ownAgent = options.agent === undefined;
  const agent = options.agent ?? createWarmAgent({ protocol: url.protocol });

  const credential = {
    getCredential: async () => {
      let resolved: TencentCredentials;
      try {
        resolved = provider ? await provider() : (fixed as TencentCredentials);
      } catch (error) {
        throw new Error(
          `${credentialFailurePrefix}${redact(String((error as Error)?.message ?? error))}`,
        );
      }
      const problem = checkCredentials(resolved ?? ({} as TencentCredentials));
      if (problem) throw new Error(`${credentialFailurePrefix}${problem}`);
      remember(resolved);
      return {
        secretId: resolved.secretId,
        secretKey: resolved.secretKey,
        token: resolved.sessionToken,
      };
    },
  };
  const client = new Client({
    credential,
    region: options.region ?? '',
    profile: {
      httpProfile: {
        endpoint: url.host,
        protocol: `${url.protocol}//`,
        reqTimeout: timeoutMs / 1000,
        agent,
      },
    },
  });

  async function call<T>(
    action: string,
    body: Record<string, unknown>,
    read: (response: Record<string, unknown>) => T | undefined,
  ): Promise<CarResult<T>> {
    const controller = new AbortController();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    // Racing the abort covers a hung credential provider too, which no socket timeout sees.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
        reject(new Error('timeout'));
      }, timeoutMs);
    });
    try {
      const response = (await Promise.race([
        client.request(action, body, { signal: controller.signal }),
        deadline,
      ])) as Record<string, unknown>;
      const value = read(response);
      if (value === undefined) {
        return fail({
          class: 'retryable',
          code: LocalCarErrorCode.InvalidResponse,
          message: `unreadable CAR response to ${action}: missing fields`,
        });
      }
      return { ok: true, value };
    } catch (error) {
      return fail(toCarFailure(error, { timedOut, timeoutMs, redact }));
    } finally {
      clearTimeout(timer);
    }
  }

  const fail = (error: CarFailure): { ok: false; error: CarFailure } => ({ ok: false, error });
  const requestIdOf = (response: Record<string, unknown>) =>
    typeof response.RequestId === 'string' ? response.RequestId : undefined;

  return {
    // A provider (SSM, STS) is asked before the first call is timed; it caches.
    prepare: async () => {
      if (provider) await credential.getCredential().catch(() => undefined);
    },
    destroySession: (userId) =>
      call('DestroySession', { UserId: userId }, (response) => ({
        requestId: requestIdOf(response),
      })),
    describeConcurrentCount: () =>
      call('DescribeConcurrentCount', {}, (response): ConcurrentCount | undefined => {
        const { Running, Total } = response;
        if (typeof Running !== 'number' || typeof Total !== 'number') return undefined;
        return { running: Running, total: Total, requestId: requestIdOf(response) };
      }),
    createSession: (userId, userIp, extra = {}) =>
      call(
        'CreateSession',
        {
          UserId: userId,
          UserIp: userIp,
          RunMode: extra.runMode,
          ClientSession: extra.clientSession,
        },
        (response) => ({ requestId: requestIdOf(response) }),
      ),
    close: () => {
      if (ownAgent) agent.destroy();
    },
  };
}
