import { type Config, requireTencentCredentials } from '../config.js';
import type { CarApi } from './car-api.js';
import type { TencentCarApi, TencentCarApiOptions, TencentCredentials } from './tencent-car-api.js';

/** A runtime's CAR client: built on first use, so store-only commands need no credentials. */
export interface LazyCarApi extends CarApi {
  /** Builds the client; throws a ConfigError naming the variable when credentials are missing. */
  ensureReady(): Promise<void>;
  /** Closes the client's keep-alive sockets, if it was built. */
  close(): Promise<void>;
}

export interface LazyCarApiOptions {
  /** A client to use instead of the Tencent one (tests). */
  car?: CarApi;
  /** @default TENCENTCLOUD_SECRET_ID / _KEY / _SESSION_TOKEN from config */
  credentials?: TencentCredentials | TencentCarApiOptions['credentials'];
}

/**
 * The Tencent CAR client (CAR_ENDPOINT, CAR_TIMEOUT_MS), or `options.car`.
 * The Tencent SDK is imported on first use: the heartbeat and disconnect
 * functions (and store-only commands) never pay for it at cold start.
 */
export function lazyCarApi(config: Config, options: LazyCarApiOptions = {}): LazyCarApi {
  let tencent: Promise<TencentCarApi> | undefined;
  const client = (): Promise<CarApi> => {
    if (options.car) return Promise.resolve(options.car);
    if (!tencent) {
      const credentials = options.credentials ?? requireTencentCredentials(config);
      tencent = import('./tencent-car-api.js').then(({ createTencentCarApi }) =>
        createTencentCarApi({
          endpoint: config.carEndpoint,
          timeoutMs: config.carTimeoutMs,
          credentials,
        }),
      );
    }
    return tencent;
  };
  return {
    destroySession: async (userId) => (await client()).destroySession(userId),
    describeConcurrentCount: async () => (await client()).describeConcurrentCount(),
    // Loads the SDK (and asks the credentials) before the first rate token is taken.
    prepare: async () => {
      try {
        await (await client()).prepare?.();
      } catch {
        // Missing credentials: the first call reports them.
      }
    },
    ensureReady: async () => {
      await client();
    },
    close: async () => {
      if (tencent) (await tencent).close();
    },
  };
}
