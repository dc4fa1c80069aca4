import { type Clock, systemClock } from '../clock.js';
import type { ParameterSource } from './parameter-source.js';

export interface ParameterCacheOptions {
  source: ParameterSource;
  /** Parameter names, all fetched in one request. */
  names: readonly string[];
  /**
   * How long fetched values are reused. Short enough that a rotated secret is
   * picked up within minutes, long enough that a warm container calls SSM
   * about once per TTL instead of once per request. @default 300_000 (5 min)
   */
  ttlMs?: number;
  /**
   * After a failed fetch, how long calls get the last good values (or, with
   * none yet, the same error) before SSM is asked again: a flood of requests
   * or an SSM outage costs one call per this much time, not one per request.
   * @default 0 (the next call asks again)
   */
  retryAfterFailureMs?: number;
  /** Checks fetched values; a throw counts as a failed fetch (the values are not kept). */
  validate?: (values: Record<string, string>) => void;
  /** Told each failed fetch (once per retry, not per call). @default nothing */
  onError?: (error: unknown, servingLastGood: boolean) => void;
  /** @default systemClock */
  clock?: Clock;
}

/** Thrown when parameters are absent from the store; `missing` names them. */
export class MissingParametersError extends Error {
  constructor(readonly missing: readonly string[]) {
    super(`SSM parameter ${missing.join(', ')} was not found`);
    this.name = 'MissingParametersError';
  }
}

/**
 * Parameters fetched at run time and cached with a TTL. Concurrent callers
 * share one request. When a refresh fails, the last good values keep being
 * served (an SSM outage or throttling does not turn into refused requests);
 * with no good values yet, the error is thrown to callers until the next retry.
 */
export function cachedParameters(
  options: ParameterCacheOptions,
): () => Promise<Record<string, string>> {
  const { source, names } = options;
  const ttlMs = options.ttlMs ?? 300_000;
  const retryAfterFailureMs = options.retryAfterFailureMs ?? 0;
  const clock = options.clock ?? systemClock;
  let good: Record<string, string> | undefined;
  let freshUntil = 0;
  let failure: { error: unknown; retryAt: number } | undefined;
  let inFlight: Promise<Record<string, string>> | undefined;

  const fetch = async () => {
    try {
      const { values, missing } = await source(names);
      if (missing.length > 0) throw new MissingParametersError(missing);
      options.validate?.(values);
      good = values;
      freshUntil = clock() + ttlMs;
      failure = undefined;
      return values;
    } catch (error) {
      failure = { error, retryAt: clock() + retryAfterFailureMs };
      options.onError?.(error, good !== undefined);
      if (good) return good;
      throw error;
    }
  };

  return async () => {
    const now = clock();
    if (good && now < freshUntil) return good;
    if (failure && now < failure.retryAt) {
      if (good) return good;
      throw failure.error;
    }
    inFlight ??= fetch().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}
