import { randomBytes } from 'node:crypto';
import type { EmulatedAction } from './options.js';
import type { SessionRegistry } from './session-registry.js';
import type { CarErrorAnswer } from './verify-request.js';

/** The answer of an action: its Response fields, or a CAR error. */
export type ActionOutcome =
  | { ok: true; fields: Record<string, unknown> }
  | { ok: false; error: CarErrorAnswer };

interface ActionContext {
  registry: SessionRegistry;
  seats: number;
  nowMs: number;
}

const fail = (code: string, message: string): ActionOutcome => ({
  ok: false,
  error: { code, message },
});

/** Reads a required string parameter, answering as CAR does when it is absent or mistyped. */
function requiredString(
  body: Record<string, unknown>,
  name: string,
): { value: string } | { error: ActionOutcome } {
  const value = body[name];
  if (value === undefined || value === null || value === '') {
    return {
      error: fail('MissingParameter', `The request is missing a required parameter \`${name}\`.`),
    };
  }
  if (typeof value !== 'string') {
    return { error: fail('InvalidParameter', `The parameter \`${name}\` must be a String.`) };
  }
  return { value };
}

/** The UserId named by a request body, if any (for the call log). */
export function userIdOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const userId = (body as Record<string, unknown>).UserId;
  return typeof userId === 'string' ? userId : undefined;
}

/** Runs one authenticated, admitted CAR action against the registry. */
export function runAction(
  action: EmulatedAction,
  body: Record<string, unknown>,
  ctx: ActionContext,
): ActionOutcome {
  switch (action) {
    case 'DestroySession': {
      const userId = requiredString(body, 'UserId');
      if ('error' in userId) return userId.error;
      // CAR does not document an error for a UserId without a session: it is done either way.
      ctx.registry.destroy(userId.value);
      return { ok: true, fields: {} };
    }
    case 'CreateSession': {
      const userId = requiredString(body, 'UserId');
      if ('error' in userId) return userId.error;
      const userIp = requiredString(body, 'UserIp');
      if ('error' in userIp) return userIp.error;
      if (!ctx.registry.has(userId.value) && ctx.registry.size >= ctx.seats) {
        return fail('ResourceNotFound.NoIdle', 'No idle concurrency is available.');
      }
      const runMode = typeof body.RunMode === 'string' ? body.RunMode : undefined;
      ctx.registry.create({
        userId: userId.value,
        userIp: userIp.value,
        createdAt: ctx.nowMs,
        ...(runMode ? { runMode } : {}),
      });
      return {
        ok: true,
        fields: {
          ServerSession: randomBytes(24).toString('base64'),
          RoleNumber: '',
          Role: 'Player',
        },
      };
    }
    case 'DescribeConcurrentCount':
      return { ok: true, fields: { Total: ctx.seats, Running: ctx.registry.size } };
  }
}
