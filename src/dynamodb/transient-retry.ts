import { setTimeout as delay } from 'node:timers/promises';
import { fullJitterBackoff } from '../backoff.js';
import { StoreError } from '../errors.js';

/**
 * Times a store call is made again after a transient error that the SDK's
 * own attempts did not get past. At 10% of calls failing, 1 call in 10,000
 * fails all 4 attempts, and a run makes hundreds: one such call must not end
 * a run that can go on. A store that keeps refusing still fails the run,
 * about a second later (RETRY_BASE_MS doubling, full jitter).
 */
const RETRIES = 3;
const RETRY_BASE_MS = 200;

/**
 * `call` (which throws the project's errors), made again while it fails with
 * a retryable {@link StoreError}, up to {@link RETRIES} times. Only for calls
 * that are safe to repeat: reads, and conditional writes whose repeat after
 * a landed first try finds its condition failed (a claim then looks lost, and
 * its lease brings the session back).
 */
export async function retryTransient<T>(call: () => Promise<T>): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof StoreError) || !error.retryable || retry >= RETRIES) throw error;
      await delay(fullJitterBackoff(retry, { baseMs: RETRY_BASE_MS }));
    }
  }
}
