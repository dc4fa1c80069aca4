import type { LimitFunction } from 'p-limit';
import type { CarApi, CarFailure, CarResult } from '../car/car-api.js';
import type { Clock, Sleep } from '../clock.js';
import type { Claim, Outcome } from '../sessions/session-store.js';
import { fullJitterBackoff, RETRY_BASE_MS, THROTTLE_BASE_MS } from './backoff.js';
import type { RateBudget } from './rate-budget.js';

/** What the run lends each claimed session's handling. */
export interface DestroyContext {
  car: CarApi;
  budget: RateBudget;
  /** Resolves once the CAR client is ready to send at once (see CarApi.prepare). */
  carReady(): Promise<void>;
  /** p-limit around the token + call: caps DestroySession calls in flight. */
  callLimit: LimitFunction;
  clock: Clock;
  sleep: Sleep;
  random: () => number;
  maxAttempts: number;
  /** Aborted when the run stops (deadline, abort, auth): no new call may start. */
  stop: AbortSignal;
  /** Last moment a call on this claim may start (deadline, or the lease less its margin). */
  cutoff(claim: Claim): number;
  onCall(): void;
  onCallDone(latencyMs: number): void;
  onThrottled(): void;
  /** The credentials were refused: the run must stop at once. */
  onAuthFailure(failure: CarFailure): void;
}

/** How a claimed session's handling ended; `outcome` is what to record. */
export type Verdict =
  | { kind: 'destroyed' | 'retry' | 'failed' | 'released'; outcome: Outcome }
  /** Credentials refused: the claim is released (the session is not at fault). */
  | { kind: 'auth'; outcome: Outcome };

const describe = (failure: CarFailure): string =>
  `${failure.code}: ${failure.message}${failure.requestId ? ` (RequestId ${failure.requestId})` : ''}`;

/**
 * The CarApi port promises results, never throws; should an implementation
 * throw anyway, the claim must still end in a recorded outcome, so the error
 * becomes a retryable failure capped by maxAttempts.
 */
const thrownToFailure = (error: unknown): CarResult<{ requestId?: string }> => ({
  ok: false,
  error: {
    class: 'retryable',
    code: 'ClientError',
    message: error instanceof Error ? error.message : String(error),
    unknown: true,
  },
});

/**
 * Calls DestroySession for one claimed session, retrying in the run while
 * its cutoff allows, and decides the outcome. Every call, retries included,
 * passes through the concurrency cap and takes a rate token just before it
 * is sent (taking it earlier would let queueing skew the send times the
 * limiter counts). Throttled answers do not count as attempts: they say
 * nothing about the session, and the cutoff bounds them.
 */
export async function destroyClaimed(claim: Claim, ctx: DestroyContext): Promise<Verdict> {
  let attempts = claim.attempts;
  let retry = 0;
  let last: CarFailure | undefined;
  let nextAttemptAt = 0;

  // The run stopped or ran out of time before the next call could start.
  const stopped = (): Verdict => {
    const at = ctx.clock();
    if (!last) return { kind: 'released', outcome: { kind: 'released', at } };
    const error = describe(last);
    return {
      kind: 'retry',
      outcome: { kind: 'retry', at, error, nextAttemptAt: Math.max(at, nextAttemptAt), attempts },
    };
  };

  for (;;) {
    if (ctx.stop.aborted || ctx.clock() >= ctx.cutoff(claim)) return stopped();
    const answer = await ctx.callLimit(
      async (): Promise<CarResult<{ requestId?: string }> | undefined> => {
        if (ctx.stop.aborted || ctx.clock() >= ctx.cutoff(claim)) return undefined;
        await ctx.carReady();
        if (ctx.stop.aborted || ctx.clock() >= ctx.cutoff(claim)) return undefined;
        try {
          await ctx.budget.take(ctx.stop);
        } catch {
          return undefined;
        }
        const sentAt = ctx.clock();
        ctx.onCall();
        const result = await ctx.car.destroySession(claim.userId).catch(thrownToFailure);
        ctx.onCallDone(ctx.clock() - sentAt);
        return result;
      },
    );
    if (!answer) return stopped();
    const at = ctx.clock();
    if (answer.ok) {
      ctx.budget.onSuccess?.();
      const outcome: Outcome = {
        kind: 'destroyed',
        at,
        requestId: answer.value.requestId,
        attempts: attempts + 1,
      };
      return { kind: 'destroyed', outcome };
    }
    const failure = answer.error;
    last = failure;
    if (failure.class === 'auth') {
      ctx.onAuthFailure(failure);
      return { kind: 'auth', outcome: { kind: 'released', at } };
    }
    if (failure.class === 'terminal') {
      return {
        kind: 'failed',
        outcome: { kind: 'failed', at, error: describe(failure), attempts: attempts + 1 },
      };
    }
    let baseMs = RETRY_BASE_MS;
    if (failure.class === 'throttled') {
      ctx.budget.onThrottled?.();
      ctx.onThrottled();
      baseMs = THROTTLE_BASE_MS;
    } else {
      // retryable, or an unknown code treated as retryable: capped by maxAttempts.
      attempts++;
      if (attempts >= ctx.maxAttempts) {
        return {
          kind: 'failed',
          outcome: { kind: 'failed', at, error: describe(failure), attempts },
        };
      }
    }
    const delay = fullJitterBackoff(retry++, { baseMs, random: ctx.random });
    nextAttemptAt = at + delay;
    if (nextAttemptAt >= ctx.cutoff(claim)) return stopped();
    await ctx.sleep(delay, ctx.stop);
  }
}
