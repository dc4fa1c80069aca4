import type { Config } from '../config.js';
import { cachedParameters, type ParameterCacheOptions } from './parameter-cache.js';
import type { ParameterSource } from './parameter-source.js';

/** Environment variable naming the SSM SecureString parameter holding the webhook secret. */
export const WEBHOOK_SECRET_PARAMETER = 'WEBHOOK_SECRET_PARAMETER';

/** Resolves the webhook secret; undefined means "not configured" (requests are refused). */
export type WebhookSecretProvider = () => Promise<string | undefined>;

/**
 * The plain `WEBHOOK_SECRET` when set (local use), else the SSM parameter named
 * by `WEBHOOK_SECRET_PARAMETER`, fetched at run time and cached with a TTL, so
 * the secret is never in the deployed template. A parameter that does not
 * exist (or cannot be read) leaves the webhooks refused rather than open.
 */
export function webhookSecretProvider(
  env: Record<string, string | undefined>,
  config: Pick<Config, 'webhookSecret'>,
  makeSource: () => ParameterSource,
  options: Pick<ParameterCacheOptions, 'ttlMs' | 'clock'> & {
    onError?: (error: unknown) => void;
  } = {},
): WebhookSecretProvider {
  if (config.webhookSecret) {
    const secret = config.webhookSecret;
    return async () => secret;
  }
  const name = env[WEBHOOK_SECRET_PARAMETER]?.trim();
  if (!name) return async () => undefined;
  const fetch = cachedParameters({ source: makeSource(), names: [name], ...options });
  return async () => {
    try {
      return (await fetch())[name] || undefined;
    } catch (error) {
      options.onError?.(error);
      return undefined;
    }
  };
}
