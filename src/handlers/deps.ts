import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Reaper, ReapSummary } from '../reaper/types.js';
import type { SessionStore } from '../sessions/session-store.js';
import type { DeliveryLog } from '../webhook/delivery-log.js';
import type { RefusalReason } from '../webhook/signed-request.js';

/** One refused webhook, as told to {@link WebhookDeps.onRefused}. */
export interface WebhookRefusal {
  route: string;
  reason: RefusalReason;
  status: number;
  /** The answer's error message. */
  error: string;
}

/**
 * What the webhook handlers need: the same objects whether they run in Lambda
 * or behind `car-reaper serve`. `createRuntime()` provides all but `clock`
 * and `logger`, which the caller chooses.
 */
export interface WebhookDeps {
  store: Pick<SessionStore, 'recordActivity' | 'recordDisconnect' | 'get'>;
  /** Remembers delivery ids, so each delivery is acted on once. */
  deliveries: DeliveryLog;
  /** Used only for an immediate destroy (`DISCONNECT_GRACE_SECONDS=0`). */
  reaper: Reaper;
  /** `classes`: the session classes a heartbeat's `class` may name. @default `default` only */
  config: Pick<Config, 'webhookSecret' | 'disconnectGraceSeconds'> &
    Partial<Pick<Config, 'classes'>>;
  /**
   * The secrets at request time (Lambda: the SSM cache), asked only for a
   * request whose headers pass the checks that need no secret.
   * @default config.webhookSecret
   */
  webhookSecret?: () => Promise<string | undefined>;
  clock: Clock;
  logger: Logger;
  /**
   * Epoch ms after which an immediate destroy claims nothing new (Lambda: the
   * remaining time less a margin). @default no deadline
   */
  deadline?: () => number | undefined;
  /** Told the summary of an immediate destroy (Lambda: EMF metrics). @default nothing */
  onReapSummary?: (summary: ReapSummary) => void;
  /** Told every refusal (a metric, a sampled log line). @default nothing */
  onRefused?: (refusal: WebhookRefusal) => void;
}

/** What the reap handler needs. */
export interface ReapDeps {
  reaper: Reaper;
  clock: Clock;
  logger: Logger;
  /** @default no deadline */
  deadline?: () => number | undefined;
}
