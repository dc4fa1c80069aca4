import type { Config } from '../config.js';
import { webhookKeys } from '../webhook/signature.js';
import { cachedParameters, type ParameterCacheOptions } from './parameter-cache.js';
import type { ParameterSource } from './parameter-source.js';

/** Environment variable naming the SSM SecureString parameter holding the webhook secret(s). */
export const WEBHOOK_SECRET_PARAMETER = 'WEBHOOK_SECRET_PARAMETER';

/**
 * How long a container reuses the webhook secret read from SSM: the wait
 * between adding a new secret and switching senders to it during a rotation.
 */
export const WEBHOOK_SECRET_CACHE_TTL_MS = 60_000;

/**
 * After a failed read, how long the last good value (or, with none, a refusal)
 * stands before SSM is asked again: a flood costs SSM one call per container
 * per this much time.
 */
export const WEBHOOK_SECRET_RETRY_MS = 5_000;

/** Resolves the webhook secret(s); undefined means "not configured" (requests are refused). */
export type WebhookSecretProvider = () => Promise<string | undefined>;

/**
 * The plain `WEBHOOK_SECRET` when set (local use), else the SSM parameter named
 * by `WEBHOOK_SECRET_PARAMETER`, fetched at run time and cached, so the secret
 * is never in the deployed template. The value holds one or more `whsec_`
 * secrets separated by spaces (several during a rotation). A value that cannot
 * be read, or is malformed, keeps the last good one in use; with none yet the
 * webhooks are refused rather than open.
 */
export function webhookSecretProvider(
  env: Record<string, string | undefined>,
  config: Pick<Config, 'webhookSecret'>,
  makeSource: () => ParameterSource,
  options: Pick<ParameterCacheOptions, 'ttlMs' | 'clock' | 'retryAfterFailureMs' | 'onError'> = {},
): WebhookSecretProvider {
  if (config.webhookSecret) {
    const secret = config.webhookSecret;
    return async () => secret;
  }
  const name = env[WEBHOOK_SECRET_PARAMETER]?.trim();
  if (!name) return async () => undefined;
  const fetch = cachedParameters({
    source: makeSource(),
    names: [name],
    ttlMs: WEBHOOK_SECRET_CACHE_TTL_MS,
    retryAfterFailureMs: WEBHOOK_SECRET_RETRY_MS,
    ...options,
    validate: (values) => {
      try {
        webhookKeys(values[name] ?? '');
      } catch (error) {
        throw new Error(`SSM parameter ${name}: ${(error as Error).message}`);
      }
    },
  });
  return async () => {
    try {
      return (await fetch())[name]?.trim() || undefined;
    } catch {
      return undefined;
    }
  };
}
