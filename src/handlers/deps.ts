import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Reaper, ReapSummary } from '../reaper/types.js';
import type { SessionStore } from '../sessions/session-store.js';

/**
 * What the webhook handlers need: the same objects whether they run in Lambda
 * or behind `car-reaper serve`. `createRuntime()` provides all but `clock`
 * and `logger`, which the caller chooses.
 */
export interface WebhookDeps {
  store: Pick<SessionStore, 'recordActivity' | 'recordDisconnect' | 'get'>;
  /** Used only for an immediate destroy (`DISCONNECT_GRACE_SECONDS=0`). */
  reaper: Reaper;
  /** `classes`: the session classes a heartbeat's `class` may name. @default `default` only */
  config: Pick<Config, 'webhookSecret' | 'disconnectGraceSeconds'> &
    Partial<Pick<Config, 'classes'>>;
  clock: Clock;
  logger: Logger;
  /**
   * Epoch ms after which an immediate destroy claims nothing new (Lambda: the
   * remaining time less a margin). @default no deadline
   */
  deadline?: () => number | undefined;
  /** Told the summary of an immediate destroy (Lambda: EMF metrics). @default nothing */
  onReapSummary?: (summary: ReapSummary) => void;
}

/** What the reap handler needs. */
export interface ReapDeps {
  reaper: Reaper;
  clock: Clock;
  logger: Logger;
  /** @default no deadline */
  deadline?: () => number | undefined;
}
