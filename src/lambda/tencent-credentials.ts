import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { Config } from '../config.js';
import { ConfigError } from '../errors.js';
import type { ParameterSource } from './parameter-source.js';

/** A Tencent Cloud key pair (and STS token, when temporary). */
export interface TencentCredentials {
  secretId: string;
  secretKey: string;
  sessionToken?: string;
}

/** Resolves the current credentials; cached, so cheap to call before every run. */
export type TencentCredentialProvider = () => Promise<TencentCredentials>;

/** Environment variables naming the SSM parameters that hold the Tencent credentials. */
export const PARAMETER_VARIABLES = {
  secretId: 'TENCENTCLOUD_SECRET_ID_PARAMETER',
  secretKey: 'TENCENTCLOUD_SECRET_KEY_PARAMETER',
  sessionToken: 'TENCENTCLOUD_SESSION_TOKEN_PARAMETER',
} as const;

export interface CachedParameterOptions {
  source: ParameterSource;
  /** Parameter names (e.g. `/car-reaper/tencent/secret-id`). */
  names: { secretId: string; secretKey: string; sessionToken?: string };
  /**
   * How long fetched values are reused. Short enough that a rotated key is
   * picked up within minutes, long enough that a warm container calls SSM
   * about once per TTL instead of once per run. @default 300_000 (5 min)
   */
  ttlMs?: number;
  /** @default systemClock */
  clock?: Clock;
}

/**
 * Credentials fetched from SSM Parameter Store at run time and cached with a
 * TTL. Concurrent callers share one request; a failed fetch is not cached.
 * Values are never logged; errors name the parameter, not its value.
 */
export function cachedParameterCredentials(
  options: CachedParameterOptions,
): TencentCredentialProvider {
  const { source, names } = options;
  const ttlMs = options.ttlMs ?? 300_000;
  const clock = options.clock ?? systemClock;
  let cached: { value: TencentCredentials; expiresAt: number } | undefined;
  let inFlight: Promise<TencentCredentials> | undefined;

  const fetch = async (): Promise<TencentCredentials> => {
    const wanted = [
      names.secretId,
      names.secretKey,
      ...(names.sessionToken ? [names.sessionToken] : []),
    ];
    const { values, missing } = await source(wanted);
    if (missing.length > 0) {
      const variable = Object.entries(names).find(([, name]) => name === missing[0])?.[0] as
        | keyof typeof PARAMETER_VARIABLES
        | undefined;
      throw new ConfigError(
        variable ? PARAMETER_VARIABLES[variable] : 'SSM',
        `SSM parameter ${missing[0]} was not found`,
      );
    }
    const value: TencentCredentials = {
      secretId: values[names.secretId] as string,
      secretKey: values[names.secretKey] as string,
      ...(names.sessionToken ? { sessionToken: values[names.sessionToken] } : {}),
    };
    cached = { value, expiresAt: clock() + ttlMs };
    return value;
  };

  return async () => {
    if (cached && clock() < cached.expiresAt) return cached.value;
    inFlight ??= fetch().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

/**
 * Chooses where the Tencent credentials come from: the SSM parameters named by
 * `TENCENTCLOUD_SECRET_ID_PARAMETER` / `_KEY_PARAMETER` when set (deployed), else
 * the plain `TENCENTCLOUD_SECRET_ID` / `_KEY` of the config (local use).
 * Returns undefined when neither is set, so the caller fails with its own message.
 */
export function tencentCredentialProvider(
  env: Record<string, string | undefined>,
  config: Pick<Config, 'tencent'>,
  makeSource: () => ParameterSource,
  options: Pick<CachedParameterOptions, 'ttlMs' | 'clock'> = {},
): TencentCredentialProvider | TencentCredentials | undefined {
  const secretId = env[PARAMETER_VARIABLES.secretId]?.trim();
  const secretKey = env[PARAMETER_VARIABLES.secretKey]?.trim();
  const sessionToken = env[PARAMETER_VARIABLES.sessionToken]?.trim() || undefined;
  if (secretId || secretKey) {
    if (!secretId)
      throw new ConfigError(PARAMETER_VARIABLES.secretId, 'is required with the _KEY one');
    if (!secretKey)
      throw new ConfigError(PARAMETER_VARIABLES.secretKey, 'is required with the _ID one');
    return cachedParameterCredentials({
      source: makeSource(),
      names: { secretId, secretKey, sessionToken },
      ...options,
    });
  }
  const { tencent } = config;
  if (tencent.secretId && tencent.secretKey) {
    return {
      secretId: tencent.secretId,
      secretKey: tencent.secretKey,
      sessionToken: tencent.sessionToken,
    };
  }
  return undefined;
}
