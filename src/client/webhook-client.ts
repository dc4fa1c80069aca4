import { ReaperError } from '../errors.js';
import { DISCONNECT_TYPE, HEARTBEAT_TYPE, MAX_HEARTBEAT_BATCH } from '../webhook/payloads.js';
import { signWebhook, webhookKeys } from '../webhook/signature.js';
import { MAX_WEBHOOK_BODY_BYTES } from '../webhook/signed-request.js';

/** Options of {@link createWebhookClient}. */
export interface WebhookClientOptions {
  /** Base URL of the deployed API (or `car-reaper serve`), e.g. `https://abc.execute-api.../`. */
  url: string;
  /**
   * A `whsec_` secret the endpoints accept (`WEBHOOK_SECRET`). Several
   * separated by spaces sign each request with each, as during a rotation.
   */
  secret: string;
  /** Per-request timeout in ms. @default 5000 */
  timeoutMs?: number;
  /** The fetch to use (e.g. one with a proxy agent). @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
}

/** The endpoint answered something other than 202; `status` and `body` say what. */
export class WebhookRequestError extends ReaperError {
  constructor(
    readonly status: number,
    readonly body: unknown,
    path: string,
  ) {
    const reason =
      typeof body === 'object' && body !== null && 'error' in body ? String(body.error) : '';
    super(`POST ${path} answered ${status}${reason ? `: ${reason}` : ''}`);
  }
}

/** The answer of `POST /disconnect`. */
export interface DisconnectResult {
  userId: string;
  /** `recorded`, or with no grace period `destroyed` / `destroy-pending` / `still-active`. */
  action: string;
}

/** A typed, signing client of car-reaper's webhook endpoints. */
export interface WebhookClient {
  /**
   * Records that `userId` disconnected at `at` (epoch ms; @default the time of
   * signing). The endpoint never records a disconnect later than its own now.
   */
  disconnect(userId: string, at?: number): Promise<DisconnectResult>;
  /**
   * Records activity now for one or many users. Large lists are sent in
   * batches that fit the endpoint's limits (1,000 ids, 16 KiB).
   */
  heartbeat(userIds: string | readonly string[]): Promise<{ recorded: number }>;
}

const heartbeatBody = (userIds: readonly string[]): string =>
  JSON.stringify({ type: HEARTBEAT_TYPE, userIds });

/** Splits ids into heartbeat bodies under both the id-count and byte limits. */
export function heartbeatBodies(userIds: readonly string[]): string[] {
  const bodies: string[] = [];
  let batch: string[] = [];
  // The empty body plus, per id, its JSON string and a comma.
  const emptySize = Buffer.byteLength(heartbeatBody([]));
  let size = emptySize;
  for (const userId of userIds) {
    const idSize = Buffer.byteLength(JSON.stringify(userId)) + 1;
    if (
      batch.length > 0 &&
      (batch.length >= MAX_HEARTBEAT_BATCH || size + idSize > MAX_WEBHOOK_BODY_BYTES)
    ) {
      bodies.push(heartbeatBody(batch));
      batch = [];
      size = emptySize;
    }
    batch.push(userId);
    size += idSize;
  }
  if (batch.length > 0) bodies.push(heartbeatBody(batch));
  return bodies;
}

/**
 * A client of `POST /disconnect` and `POST /heartbeat` that signs every body
 * per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`)
 * so no caller writes HMACs by hand. Each request is a new delivery (a new id).
 *
 * @example
 * const reaper = createWebhookClient({ url: process.env.REAPER_URL, secret: process.env.WEBHOOK_SECRET });
 * await reaper.heartbeat(['user-1', 'user-2']);
 * await reaper.disconnect('user-1');
 */
export function createWebhookClient(options: WebhookClientOptions): WebhookClient {
  if (!options.secret) throw new ReaperError('createWebhookClient: secret is required');
  try {
    webhookKeys(options.secret);
  } catch (error) {
    throw new ReaperError(`createWebhookClient: secret: ${(error as Error).message}`);
  }
  const base = new URL(options.url);
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 5000;

  const post = async (path: '/disconnect' | '/heartbeat', body: string) => {
    const target = new URL(path.slice(1), base.href.endsWith('/') ? base : `${base.href}/`);
    const response = await doFetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signWebhook(options.secret, body) },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON (a proxy's error page): keep the text for the error.
    }
    if (response.status !== 202) throw new WebhookRequestError(response.status, parsed, path);
    return parsed as Record<string, unknown>;
  };

  return {
    async disconnect(userId, at) {
      const body = JSON.stringify(
        at === undefined
          ? { type: DISCONNECT_TYPE, userId }
          : { type: DISCONNECT_TYPE, userId, at },
      );
      const answer = await post('/disconnect', body);
      return {
        userId: String(answer.userId ?? userId),
        action: String(answer.action ?? 'recorded'),
      };
    },
    async heartbeat(userIds) {
      const ids = typeof userIds === 'string' ? [userIds] : userIds;
      let recorded = 0;
      for (const body of heartbeatBodies(ids)) {
        const answer = await post('/heartbeat', body);
        recorded += Number(answer.recorded ?? 0);
      }
      return { recorded };
    },
  };
}
