import { runAction, userIdOf } from './actions.js';
import { decideFault, messageFor } from './faults.js';
import { type EmulatedAction, type EmulatorSettings, emulatedActions, ratesOf } from './options.js';
import type { SlidingWindowQuota } from './quota.js';
import type { SessionRegistry } from './session-registry.js';
import { type CarErrorAnswer, type ReceivedRequest, verifyRequest } from './verify-request.js';

const apiVersion = '2022-01-10';

/** What the server does with a request. */
export type Decision =
  | { kind: 'error'; error: CarErrorAnswer }
  | { kind: 'ok'; fields: Record<string, unknown> }
  | { kind: 'reset' }
  | { kind: 'hang' };

/** The emulator's state a request reads and changes. */
export interface EmulatorState {
  settings: EmulatorSettings;
  quota: SlidingWindowQuota;
  registry: SessionRegistry;
  /** Scripted failures (faults.userFailures) served so far, per UserId. */
  failuresServed: Map<string, number>;
}

const error = (code: string, message: string): Decision => ({
  kind: 'error',
  error: { code, message },
});

/** Parses the body leniently: an empty body is `{}`, bad JSON is reported later (after quota). */
function parseBody(body: Buffer): { parsed?: unknown; bad: boolean } {
  try {
    return { parsed: body.length === 0 ? {} : JSON.parse(body.toString('utf8')), bad: false };
  } catch {
    return { bad: true };
  }
}

/**
 * Decides the answer to one request arriving at `at`, in Tencent's order:
 * common parameters and signature, action and version, quota (counted per
 * API and account, so only once the caller is identified), body, injected
 * faults, then the action itself. A request the quota admits consumes it even
 * if its body is bad or a fault is injected: the gateway has seen it.
 */
export function processRequest(
  request: ReceivedRequest,
  at: number,
  state: EmulatorState,
): { decision: Decision; userId?: string } {
  const { settings } = state;
  const { parsed, bad } = parseBody(request.body);
  const userId = userIdOf(parsed);
  const decide = (): Decision => {
    if (request.method !== 'POST') {
      return error('UnsupportedOperation', 'The emulator speaks POST with application/json only.');
    }
    const rejected = verifyRequest(request, settings.credentials, at, settings.maxSkewSeconds);
    if (rejected) return { kind: 'error', error: rejected };
    const action = String(request.headers['x-tc-action']);
    if (!(emulatedActions as readonly string[]).includes(action)) {
      return error('InvalidAction', `The action \`${action}\` is not found.`);
    }
    const version = String(request.headers['x-tc-version']);
    if (version !== apiVersion) {
      return error('NoSuchVersion', `The version \`${version}\` is not supported.`);
    }
    const known = action as EmulatedAction;
    if (!state.quota.tryTake(known, at)) {
      const limit = ratesOf(settings.rate)[known];
      return error(
        'RequestLimitExceeded',
        `Your current request times equals to \`${limit}\` in a second, which exceeds the frequency limit \`${limit}\` for a second. Please reduce the frequency of calls.`,
      );
    }
    if (bad) return error('InvalidParameter.JsonParseError', 'JSON parsing error.');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return error('InvalidParameter', 'The request body must be a JSON object.');
    }
    const fault = decideFault(
      settings.faults,
      known,
      userId,
      settings.random,
      state.failuresServed,
    );
    if (fault.kind === 'hang' || fault.kind === 'reset') return fault;
    if (fault.kind === 'error') return error(fault.code, messageFor(fault.code));
    const outcome = runAction(known, parsed as Record<string, unknown>, {
      registry: state.registry,
      seats: settings.seats,
      nowMs: at,
    });
    return outcome.ok
      ? { kind: 'ok', fields: outcome.fields }
      : { kind: 'error', error: outcome.error };
  };
  return { decision: decide(), ...(userId === undefined ? {} : { userId }) };
}
