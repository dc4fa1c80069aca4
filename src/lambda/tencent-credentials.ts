import type { Config } from '../config.js';
import { ConfigError } from '../errors.js';
import {
  cachedParameters,
  MissingParametersError,
  type ParameterCacheOptions,
} from './parameter-cache.js';
import type { ParameterSource } from './parameter-source.js';

/** A Tencent Cloud key pair (and STS token, when temporary). */
export interface TencentCredentials {
  secretId: string;
  secretKey: string;
  sessionToken?: string;
}

/** Resolves the current credentials; cached, so cheap to call before every request. */
export type TencentCredentialProvider = () => Promise<TencentCredentials>;

/** Environment variables naming the SSM parameters that hold the Tencent credentials. */
export const PARAMETER_VARIABLES = {
  secretId: 'TENCENTCLOUD_SECRET_ID_PARAMETER',
  secretKey: 'TENCENTCLOUD_SECRET_KEY_PARAMETER',
  sessionToken: 'TENCENTCLOUD_SESSION_TOKEN_PARAMETER',
} as const;

type Field = keyof typeof PARAMETER_VARIABLES;

/**
 * Credentials read from SSM SecureString parameters at run time (one
 * GetParameters call), cached with a TTL. Values are never logged; a missing
 * parameter fails with a ConfigError naming its variable and the parameter.
 */
export function cachedParameterCredentials(
  options: Omit<ParameterCacheOptions, 'names'> & {
    names: { secretId: string; secretKey: string; sessionToken?: string };
  },
): TencentCredentialProvider {
  const byName = Object.entries(options.names).filter(([, name]) => name) as [Field, string][];
  const fetch = cachedParameters({ ...options, names: byName.map(([, name]) => name) });
  return async () => {
    let values: Record<string, string>;
    try {
      values = await fetch();
    } catch (error) {
      if (!(error instanceof MissingParametersError)) throw error;
      const field = byName.find(([, name]) => name === error.missing[0])?.[0] ?? 'secretId';
      throw new ConfigError(PARAMETER_VARIABLES[field], error.message);
    }
    const pick = (field: Field) => values[options.names[field] as string] as string;
    return {
      secretId: pick('secretId'),
      secretKey: pick('secretKey'),
      ...(options.names.sessionToken ? { sessionToken: pick('sessionToken') } : {}),
    };
  };
}

/**
 * Where the Tencent credentials come from: the plain `TENCENTCLOUD_SECRET_ID` /
 * `_KEY` when both are set (local use, e.g. `serverless invoke local`), else the
 * SSM parameters named by `TENCENTCLOUD_SECRET_ID_PARAMETER` / `_KEY_PARAMETER`
 * (deployed: the template carries only parameter names). Undefined when neither
 * is set, so the caller fails with its own message when it needs them.
 */
export function tencentCredentialProvider(
  env: Record<string, string | undefined>,
  config: Pick<Config, 'tencent'>,
  makeSource: () => ParameterSource,
  options: Pick<ParameterCacheOptions, 'ttlMs' | 'clock'> = {},
): TencentCredentialProvider | TencentCredentials | undefined {
  const { tencent } = config;
  if (tencent.secretId && tencent.secretKey) {
    return {
      secretId: tencent.secretId,
      secretKey: tencent.secretKey,
      ...(tencent.sessionToken ? { sessionToken: tencent.sessionToken } : {}),
    };
  }
  const name = (field: Field) => env[PARAMETER_VARIABLES[field]]?.trim() || undefined;
  const secretId = name('secretId');
  const secretKey = name('secretKey');
  if (!secretId && !secretKey) return undefined;
  if (!secretId)
    throw new ConfigError(PARAMETER_VARIABLES.secretId, 'is required with the _KEY one');
  if (!secretKey)
    throw new ConfigError(PARAMETER_VARIABLES.secretKey, 'is required with the _ID one');
  return cachedParameterCredentials({
    source: makeSource(),
    names: { secretId, secretKey, sessionToken: name('sessionToken') },
    ...options,
  });
}
