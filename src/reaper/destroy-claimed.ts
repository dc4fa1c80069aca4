import type { LimitFunction } from 'p-limit';
import type { CarApi, CarFailure, CarResult } from '../car/car-api.js';
import type { Clock, Sleep } from '../clock.js';
import type { RateBudget } from '../rate/rate-budget.js';
import type { Claim, Outcome, SendCheck } from '../sessions/session-store.js';
import { fullJitterBackoff, RETRY_BASE_MS, THROTTLE_BASE_MS } from './backoff.js';
import type { CheckLead } from './check-lead.js';
import type { CallHealth, CircuitBreaker } from './circuit-breaker.js';
import { type RetryPolicy, retryDecision } from './retry-policy.js';

/** What the run lends each claimed session's handling. */
export interface DestroyContext {
  car: CarApi;
  budget: RateBudget;
  breaker: CircuitBreaker;
  retryPolicy: RetryPolicy;
  /** Resolves once the CAR client is ready to send at once (see CarApi.prepare). */
  carReady(): Promise<void>;
  /** p-limit around the token + check + call: caps DestroySession calls in flight. */
  callLimit: LimitFunction;
  /** The store's last check before a call (SessionStore.markSending). */
  markSending(claim: Claim, at: number): Promise<SendCheck>;
  /** How long before its slot each check starts, from the run's recent checks. */
  checkLead: CheckLead;
  clock: Clock;
  sleep: Sleep;
  random: () => number;
  /** DestroySession calls one claim may spend in this run. */
  maxAttempts: number;
  /** Aborted when the run stops (deadline, abort, auth, outage): no new call may start. */
  stop: AbortSignal;
  /** Last moment a call on this claim may start (deadline, or the lease less its margin). */
  cutoff(claim: Claim): number;
  onCall(): void;
  onCallDone(latencyMs: number): void;
  /** Time from the start of the last check to the call going out. */
  onCheckToSend(ms: number): void;
  /** A check that took too long to send on: its rate slot is given up and the check repeated. */
  onLateCheck(): void;
  /**
   * The check itself failed (the store is unreachable): the call is not
   * made, and the claim ends as if the run had stopped before it (released,
   * or a retry after an earlier failure); a later run picks the session up.
   */
  onCheckFailed(claim: Claim, error: unknown): void;
  onThrottled(): void;
  /** The credentials were refused: the run must stop at once. */
  onAuthFailure(failure: CarFailure): void;
}

/** How a claimed session's handling ended; `outcome` is what to record (none when the claim was lost). */
export type Verdict =
  | { kind: 'destroyed' | 'retry' | 'failed' | 'released'; outcome: Outcome; terminal?: boolean }
  /** Credentials refused: the claim is released (the session is not at fault). */
  | { kind: 'auth'; outcome: Outcome }
  /** Activity recorded since the claim: the user is back; released, nothing sent. */
  | { kind: 'returned'; outcome: Outcome }
  /** The claim was taken from us before the call: nothing to record. */
  | { kind: 'lost' };

/**
 * Longest time from a rate slot to the call going out. A check slower than
 * this (a whole server window) gives its slot up and is done again at the
 * next one, so no call leaves a window after the moment the budget counted
 * it. Shorter delays are told to the budget (onSendDelay), which spaces
 * calls further while they last, as it does after an event-loop stall.
 */
export const MAX_SLOT_TO_SEND_MS = 1000;

const describe = (failure: CarFailure): string =>
  `${failure.code}: ${failure.message}${failure.requestId ? ` (RequestId ${failure.requestId})` : ''}`;

/**
 * The CarApi port promises results, never throws; should an implementation
 * throw anyway, the claim must still end in a recorded outcome, so the error
 * becomes a retryable failure.
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

const healthOf = (result: CarResult<unknown>): CallHealth => {
  if (result.ok || result.error.class === 'gone') return 'success';
  return result.error.class === 'retryable' ? 'failure' : 'neutral';
};

/** What one pass through the concurrency cap came back with. */
type Attempt =
  | { kind: 'answer'; result: CarResult<{ requestId?: string }> }
  | { kind: 'stopped' }
  | { kind: 'again'; claim?: Claim }
  | { kind: 'check'; check: Exclude<SendCheck, { status: 'clear' }> };

/**
 * Calls DestroySession for one claimed session, retrying in the run while
 * its cutoff and `maxAttempts` allow, and decides the outcome. Every call,
 * retries included, waits for the circuit breaker, passes through the
 * concurrency cap, takes a rate token, and then makes the store's last check
 * (markSending) just before it is sent: activity recorded while the claim
 * waited cancels the destroy. Throttled answers do not count as attempts:
 * they say nothing about the session, and the cutoff bounds them.
 */
export async function destroyClaimed(
  first: Claim,
  ctx: DestroyContext,
): Promise<{ verdict: Verdict; claim: Claim }> {
  const current = { claim: first };
  const verdict = await decide(current, ctx);
  return { verdict, claim: current.claim };
}

/** destroyClaimed's loop; `held.claim` follows the checks, which move the claim's version. */
async function decide(held: { claim: Claim }, ctx: DestroyContext): Promise<Verdict> {
  let claim = held.claim;
  let attempts = claim.attempts;
  let callsThisRun = 0;
  let retry = 0;
  let last: CarFailure | undefined;
  let firstFailedAt = claim.previous.firstFailedAt;
  let nextAttemptAt = 0;

  const retryOutcome = (at: number, failure: CarFailure, next: number): Verdict => ({
    kind: 'retry',
    outcome: {
      kind: 'retry',
      at,
      error: describe(failure),
      nextAttemptAt: next,
      attempts,
      firstFailedAt: firstFailedAt ?? at,
    },
  });

  // The run stopped or ran out of time before the next call could start.
  const stopped = (): Verdict => {
    const at = ctx.clock();
    if (!last) return { kind: 'released', outcome: { kind: 'released', at } };
    return retryOutcome(at, last, Math.max(at, nextAttemptAt));
  };

  for (;;) {
    if (!(await waitForBreaker(claim, ctx))) return stopped();
    const attempt = await ctx.callLimit(async (): Promise<Attempt> => {
      const blocked = () => ctx.stop.aborted || ctx.clock() >= ctx.cutoff(claim);
      if (blocked()) return { kind: 'stopped' };
      await ctx.carReady();
      if (blocked()) return { kind: 'stopped' };
      const permit = ctx.breaker.acquire();
      if (!permit) return { kind: 'again' };
      const sent = await slotCheckAndSend(claim, ctx);
      if (sent.kind !== 'sent') {
        permit.done('neutral');
        return sent;
      }
      claim = sent.claim;
      held.claim = claim;
      const result = await sent.call;
      ctx.onCallDone(ctx.clock() - sent.sendAt);
      permit.done(healthOf(result));
      return { kind: 'answer', result };
    });
    if (attempt.kind === 'stopped') return stopped();
    if (attempt.kind === 'again') {
      if (attempt.claim) {
        claim = attempt.claim;
        held.claim = claim;
      }
      continue;
    }
    const at = ctx.clock();
    if (attempt.kind === 'check') {
      if (attempt.check.status === 'lost') return { kind: 'lost' };
      return { kind: 'returned', outcome: { kind: 'released', at } };
    }
    const answer = attempt.result;
    if (answer.ok || answer.error.class === 'gone') {
      ctx.budget.onSuccess?.();
      const requestId = answer.ok ? answer.value.requestId : answer.error.requestId;
      const outcome: Outcome = {
        kind: 'destroyed',
        at,
        requestId,
        attempts: attempts + 1,
        ...(answer.ok ? {} : { alreadyGone: true }),
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
        terminal: true,
        outcome: { kind: 'failed', at, error: describe(failure), attempts: attempts + 1 },
      };
    }
    let delay: number;
    if (failure.class === 'throttled') {
      ctx.budget.onThrottled?.();
      ctx.onThrottled();
      delay = fullJitterBackoff(retry++, { baseMs: THROTTLE_BASE_MS, random: ctx.random });
    } else {
      // retryable (an unknown code too) or busy: an attempt on this session.
      attempts++;
      callsThisRun++;
      firstFailedAt ??= at;
      const decision = retryDecision(ctx.retryPolicy, {
        at,
        firstFailedAt,
        busy: failure.class === 'busy',
        random: ctx.random,
      });
      if (decision.giveUp) {
        return {
          kind: 'failed',
          outcome: { kind: 'failed', at, error: describe(failure), attempts },
        };
      }
      if (callsThisRun >= ctx.maxAttempts) return retryOutcome(at, failure, decision.nextAttemptAt);
      delay =
        failure.class === 'busy'
          ? decision.nextAttemptAt - at
          : fullJitterBackoff(retry++, { baseMs: RETRY_BASE_MS, random: ctx.random });
    }
    nextAttemptAt = at + delay;
    if (nextAttemptAt >= ctx.cutoff(claim)) return stopped();
    await ctx.sleep(delay, ctx.stop).catch(() => undefined);
  }
}

/**
 * A rate slot, the last check, and the call sent (not awaited). The budget
 * lets the caller go a little before its slot (the recent checks' duration),
 * the check runs, and the call leaves at the slot: the check adds no delay
 * to the send, and no wait for a slot comes after it.
 */
async function slotCheckAndSend(
  claim: Claim,
  ctx: DestroyContext,
): Promise<
  | Exclude<Attempt, { kind: 'answer' }>
  | { kind: 'sent'; claim: Claim; sendAt: number; call: Promise<CarResult<{ requestId?: string }>> }
> {
  if (ctx.stop.aborted || ctx.clock() >= ctx.cutoff(claim)) return { kind: 'stopped' };
  let slotAt: number;
  try {
    slotAt = await ctx.budget.take(ctx.stop, ctx.checkLead.current());
  } catch {
    return { kind: 'stopped' };
  }
  const checkAt = ctx.clock();
  let check: SendCheck;
  try {
    check = await ctx.markSending(claim, checkAt);
  } catch (error) {
    // The store could not say whether the user is back: nothing is sent.
    ctx.onCheckFailed(claim, error);
    return { kind: 'stopped' };
  }
  const checkedAt = ctx.clock();
  ctx.checkLead.observe(checkedAt - checkAt);
  if (check.status !== 'clear') return { kind: 'check', check };
  if (checkedAt < slotAt) await ctx.sleep(slotAt - checkedAt);
  const sendAt = ctx.clock();
  const late = Math.max(0, sendAt - slotAt);
  if (late > MAX_SLOT_TO_SEND_MS) {
    ctx.onLateCheck();
    return { kind: 'again', claim: check.claim };
  }
  ctx.onCheckToSend(sendAt - checkAt);
  ctx.budget.onSendDelay?.(late);
  ctx.onCall();
  const call = ctx.car.destroySession(check.claim.userId).catch(thrownToFailure);
  return { kind: 'sent', claim: check.claim, sendAt, call };
}

/**
 * Waits, outside the concurrency cap, until the circuit breaker lets calls
 * through. False when the run stops or the claim's cutoff comes first.
 */
async function waitForBreaker(claim: Claim, ctx: DestroyContext): Promise<boolean> {
  for (;;) {
    const now = ctx.clock();
    const cutoff = ctx.cutoff(claim);
    if (ctx.stop.aborted || now >= cutoff) return false;
    const readyAt = ctx.breaker.readyAt(now);
    if (readyAt <= now) return true;
    if (readyAt >= cutoff) return false;
    try {
      await ctx.sleep(readyAt - now, ctx.stop);
    } catch {
      return false;
    }
  }
}
