import { SessionClasses } from '../policies/session-classes.js';
import type { HandlerResponse } from '../webhook/http.js';
import { parseHeartbeatPayload } from '../webhook/payloads.js';
import type { WebhookDeps } from './deps.js';
import { failureResponse } from './errors-to-http.js';

/** Without policies only `default` is a class (the values are not used to check a name). */
const DEFAULT_ONLY = new SessionClasses({
  idleTimeoutSeconds: 1,
  disconnectGraceSeconds: 0,
  maxSessionAgeSeconds: 0,
  warnBeforeSeconds: 0,
});

/**
 * `POST /heartbeat` after the signature, the body's type and the delivery id
 * are checked: records activity now for one id or a batch.
 * A `class` puts the sessions in that class of the policies file; an unknown
 * class is refused (400) rather than recorded as the default one.
 */
export async function handleHeartbeat(
  payload: Record<string, unknown>,
  deps: Pick<WebhookDeps, 'store' | 'clock' | 'logger'> & {
    config?: Pick<WebhookDeps['config'], 'classes'>;
  },
): Promise<HandlerResponse> {
  try {
    const userIds = parseHeartbeatPayload(payload);
    const options =
      payload.class === undefined
        ? {}
        : { class: (deps.config?.classes ?? DEFAULT_ONLY).assertKnown(payload.class, 'class') };
    await deps.store.recordActivity(userIds, deps.clock(), options);
    return { status: 202, body: { accepted: true, recorded: userIds.length } };
  } catch (error) {
    return failureResponse(error, deps.logger, 'heartbeat');
  }
}
