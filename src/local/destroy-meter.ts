import type { CallRecord } from '../emulator/index.js';

/** What the live view's destroys line shows, read from the calls CAR (the emulator) received. */
export interface DestroyCounts {
  /** DestroySession calls answered with success in `(now - windowMs, now]`. */
  lastSecond: number;
  /** DestroySession calls refused with RequestLimitExceeded, all told. */
  throttled: number;
}

/**
 * Counts destroys over the last sliding second as CAR's quota counts calls
 * (arrivals in `(t - 1000, t]`), so the figure can only pass the quota if CAR
 * let more through. A rate from samples of a running total a tick apart
 * cannot promise that: ticks are late and outcomes are recorded after the calls.
 */
export function countDestroys(
  calls: readonly CallRecord[],
  now: number,
  windowMs = 1000,
): DestroyCounts {
  let lastSecond = 0;
  let throttled = 0;
  for (const call of calls) {
    if (call.action !== 'DestroySession') continue;
    if (call.outcome === 'ok' && call.at > now - windowMs && call.at <= now) lastSecond++;
    if (call.outcome === 'error' && call.code?.startsWith('RequestLimitExceeded')) throttled++;
  }
  return { lastSecond, throttled };
}
