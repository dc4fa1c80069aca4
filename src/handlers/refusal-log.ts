import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { WebhookRefusal } from './deps.js';

/** Options of {@link sampledRefusalLog}. */
export interface RefusalLogOptions {
  logger: Logger;
  clock: Clock;
  /** Per route and reason, at most one line per this much time. @default 60_000 */
  intervalMs?: number;
}

/**
 * Logs refused webhooks at `warn`, at most one line per route and reason per
 * interval, carrying how many like it were not logged since: a flood of bad
 * requests costs a counter increment each, not a log line each, and the
 * first refusal of a kind is always seen. The metric counts every one.
 */
export function sampledRefusalLog(options: RefusalLogOptions): (refusal: WebhookRefusal) => void {
  const intervalMs = options.intervalMs ?? 60_000;
  const windows = new Map<string, { loggedAt: number; suppressed: number }>();
  return (refusal) => {
    const key = `${refusal.route} ${refusal.reason}`;
    const now = options.clock();
    const window = windows.get(key);
    if (window && now - window.loggedAt < intervalMs) {
      window.suppressed += 1;
      return;
    }
    options.logger.warn('webhook refused', {
      ...refusal,
      suppressedSinceLastLine: window?.suppressed ?? 0,
    });
    windows.set(key, { loggedAt: now, suppressed: 0 });
  };
}
