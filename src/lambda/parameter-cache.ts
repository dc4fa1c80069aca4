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
 * share one request; a failed fetch is not cached, so the next call retries.
 */
export function cachedParameters(
  options: ParameterCacheOptions,
): () => Promise<Record<string, string>> {
  const { source, names } = options;
  const ttlMs = options.ttlMs ?? 300_000;
  const clock = options.clock ?? systemClock;
  let cached: { values: Record<string, string>; expiresAt: number } | undefined;
  let inFlight: Promise<Record<string, string>> | undefined;

  const fetch = async () => {
    const { values, missing } = await source(names);
    if (missing.length > 0) throw new MissingParametersError(missing);
    cached = { values, expiresAt: clock() + ttlMs };
    return values;
  };

  return async () => {
    if (cached && clock() < cached.expiresAt) return cached.values;
    inFlight ??= fetch().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}
