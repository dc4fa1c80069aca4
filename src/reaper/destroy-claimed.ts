import { fullJitterBackoff, RETRY_BASE_MS, THROTTLE_BASE_MS } from '../backoff.js';
import type { CarApi, CarFailure, CarResult } from '../car/car-api.js';
import type { Clock, Sleep } from '../clock.js';
import type { Logger } from '../logger.js';
import type { SlotGrant } from '../rate/rate-budget.js';
import type { Claim, Outcome, SendCheck, SessionStore } from '../sessions/session-store.js';
import type { CallGate } from './call-gate.js';
import type { CallHealth } from './circuit-breaker.js';
import { type RetryPolicy, retryDecision } from './retry-policy.js';
import type { RunStats } from './run-stats.js';

/** What destroying a claimed session needs besides its {@link CallGate}. */
export interface DestroyDeps {
  car: CarApi;
  /** The store's last check before a call (SessionStore.markSending). */
  store: Pick<SessionStore, 'markSending'>;
  retryPolicy: RetryPolicy;
  /** DestroySession calls one claim may spend in this run. */
  maxAttempts: number;
  clock: Clock;
  sleep: Sleep;
  random: () => number;
  logger: Logger;
  /** The credentials were refused: the run must stop at once. */
  onAuthFailure(failure: CarFailure): void;
}

/**
 * A claim not made yet: it is made at its first call's rate slot, where it is
 * that call's last check (ClaimOptions.sending), one write instead of a claim
 * and a check.
 */
export interface ClaimAtSlot {
  /**
   * Claims the session (or, its claim lost, another in its place), with when
   * the claim that held was sent; undefined when no claim held.
   */
  claimAt(): Promise<{ claim: Claim; at: number } | undefined>;
}

const isPending = (target: Claim | ClaimAtSlot): target is ClaimAtSlot => 'claimAt' in target;

/** How a claimed session's handling ended: the outcome to record with the claim that holds it. */
export interface Ending {
  claim: Claim;
  outcome: Outcome;
}

/**
 * Longest time from a rate slot to the call going out. A check slower than
 * this (a whole server window) gives its slot up and is done again at the
 * next one, so no call leaves a window after the moment the budget counted
 * it. Shorter delays are told to the budget (onSendDelay), which spaces
 * calls further while they last, as it does after an event-loop stall.
 */
export const MAX_SLOT_TO_SEND_MS = 1000;

/**
 * Longest round trip of the last check that still lets the call go out. The
 * check's write lands somewhere inside its round trip, and activity recorded
 * after it cannot stop the call: a slower answer (a loaded store, a stalled
 * event loop) would leave a returning user exposed for as long, so the check
 * is made once more, on the same rate slot while MAX_SLOT_TO_SEND_MS allows.
 * The second answer is sent on whatever it took: the bound narrows the
 * window after a passing stall and never stops a reaper whose store is slow.
 */
export const MAX_CHECK_TO_SEND_MS = 75;

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
  | { kind: 'stopped'; claim?: Claim }
  | { kind: 'again'; claim?: Claim }
  | { kind: 'check'; check: Exclude<SendCheck, { status: 'clear' }>; claim?: Claim };

/**
 * Calls DestroySession for one claimed session, retrying in the run while
 * its cutoff and `maxAttempts` allow, and decides the outcome; the run's
 * counters are kept in `stats`. Every call, retries included, waits for the
 * circuit breaker, passes the gate's concurrency cap, takes a rate slot, and
 * then makes the store's last check (markSending) just before it is sent:
 * activity recorded while the claim waited cancels the destroy. Throttled
 * answers do not count as attempts: they say nothing about the session, and
 * the cutoff bounds them. A {@link ClaimAtSlot} is claimed at the first
 * slot instead of checked. Undefined when the claim was lost, or never made:
 * nothing to record.
 */
export async function destroyClaimed(
  first: Claim | ClaimAtSlot,
  gate: CallGate,
  deps: DestroyDeps,
  stats: RunStats,
): Promise<Ending | undefined> {
  const pending = isPending(first) ? first : undefined;
  let claim = isPending(first) ? undefined : first;
  let attempts = claim?.attempts ?? 0;
  let callsThisRun = 0;
  let retry = 0;
  let last: CarFailure | undefined;
  let firstFailedAt = claim?.previous.firstFailedAt;
  let nextAttemptAt = 0;

  const adopt = (held: Claim): void => {
    if (claim === undefined) {
      attempts = held.attempts;
      firstFailedAt = held.previous.firstFailedAt;
    }
    claim = held;
  };
  // Called once an answer came, so on a claim that was made.
  const end = (outcome: Outcome): Ending => {
    stats.count(outcome);
    return { claim: claim as Claim, outcome };
  };
  const retryOutcome = (at: number, failure: CarFailure, next: number): Ending =>
    end({
      kind: 'retry',
      at,
      error: describe(failure),
      nextAttemptAt: next,
      attempts,
      firstFailedAt: firstFailedAt ?? at,
    });
  // The run stopped or ran out of time before the next call could start.
  const stopped = (): Ending | undefined => {
    if (claim === undefined) return undefined;
    const at = deps.clock();
    if (!last) return end({ kind: 'released', at });
    return retryOutcome(at, last, Math.max(at, nextAttemptAt));
  };

  for (;;) {
    if (!(await waitForBreaker(claim, gate, deps))) return stopped();
    const attempt = await gate.within(async (): Promise<Attempt> => {
      if (gate.closedFor(claim)) return { kind: 'stopped' };
      await gate.whenReady();
      if (gate.closedFor(claim)) return { kind: 'stopped' };
      const permit = gate.breaker.acquire();
      if (!permit) return { kind: 'again' };
      let sent: Awaited<ReturnType<typeof slotCheckAndSend>>;
      try {
        sent = await slotCheckAndSend(claim ?? (pending as ClaimAtSlot), gate, deps, stats);
      } catch (error) {
        permit.done('neutral');
        throw error;
      }
      if (sent.kind !== 'sent') {
        permit.done('neutral');
        return sent;
      }
      adopt(sent.claim);
      const result = await sent.call;
      // Only CAR's answers say how long CAR takes: a timeout or a broken
      // connection must not raise the concurrency against a struggling endpoint.
      if (result.ok || result.error.requestId !== undefined) {
        gate.callDone(deps.clock() - sent.sendAt, stats.calls);
      }
      permit.done(healthOf(result));
      return { kind: 'answer', result };
    });
    // A check made on this attempt moved the claim's version: later writes go with it.
    if (attempt.kind !== 'answer' && attempt.claim) adopt(attempt.claim);
    if (attempt.kind === 'stopped') return stopped();
    if (attempt.kind === 'again') continue;
    const at = deps.clock();
    if (attempt.kind === 'check') {
      stats.skipped++;
      if (attempt.check.status === 'lost') return undefined;
      // The user is back: nothing was sent, the claim is released.
      stats.returned++;
      return { claim: claim as Claim, outcome: { kind: 'released', at } };
    }
    const answer = attempt.result;
    if (answer.ok || answer.error.class === 'gone') {
      gate.budget.onSuccess?.();
      const requestId = answer.ok ? answer.value.requestId : answer.error.requestId;
      return end({
        kind: 'destroyed',
        at,
        requestId,
        attempts: attempts + 1,
        ...(answer.ok ? {} : { alreadyGone: true }),
      });
    }
    const failure = answer.error;
    last = failure;
    if (failure.class === 'auth') {
      // The session is not at fault: its claim is released.
      deps.onAuthFailure(failure);
      return end({ kind: 'released', at });
    }
    if (failure.class === 'terminal') {
      stats.terminalFailures++;
      return end({ kind: 'failed', at, error: describe(failure), attempts: attempts + 1 });
    }
    let delay: number;
    if (failure.class === 'throttled') {
      gate.budget.onThrottled?.();
      stats.throttled++;
      delay = fullJitterBackoff(retry++, { baseMs: THROTTLE_BASE_MS, random: deps.random });
    } else {
      // retryable (an unknown code too) or busy: an attempt on this session.
      attempts++;
      callsThisRun++;
      firstFailedAt ??= at;
      const decision = retryDecision(deps.retryPolicy, {
        at,
        firstFailedAt,
        busy: failure.class === 'busy',
        random: deps.random,
      });
      if (decision.giveUp) return end({ kind: 'failed', at, error: describe(failure), attempts });
      if (callsThisRun >= deps.maxAttempts) {
        return retryOutcome(at, failure, decision.nextAttemptAt);
      }
      delay =
        failure.class === 'busy'
          ? decision.nextAttemptAt - at
          : fullJitterBackoff(retry++, { baseMs: RETRY_BASE_MS, random: deps.random });
    }
    nextAttemptAt = at + delay;
    if (nextAttemptAt >= gate.cutoff(claim)) return stopped();
    await deps.sleep(delay, gate.stop).catch(() => undefined);
  }
}

/**
 * A rate slot, the last check, and the call sent (not awaited): the check
 * runs between the slot and the send, and the call goes out in the same turn
 * as the check's answer, so nothing (no timer, no wait for a slot) widens the
 * window in which activity could slip past the check.
 */
async function slotCheckAndSend(
  target: Claim | ClaimAtSlot,
  gate: CallGate,
  deps: DestroyDeps,
  stats: RunStats,
): Promise<
  | Exclude<Attempt, { kind: 'answer' }>
  | { kind: 'sent'; claim: Claim; sendAt: number; call: Promise<CarResult<{ requestId?: string }>> }
> {
  const held = isPending(target) ? undefined : target;
  if (gate.closedFor(held)) return { kind: 'stopped' };
  let grant: SlotGrant | undefined;
  try {
    grant = await gate.budget.take(gate.stop);
  } catch {
    return { kind: 'stopped' };
  }
  const slotAt = deps.clock();
  let current: Claim | ClaimAtSlot = target;
  let rechecked = false;
  for (;;) {
    let checkAt = deps.clock();
    let check: SendCheck;
    if (isPending(current)) {
      // The claim is the last check. None held: nothing is sent (the slot goes unused; the
      // losses are counted where they happened). A store that cannot claim fails the run,
      // as a claim made ahead of its call would.
      const made = await current.claimAt();
      if (made === undefined) return { kind: 'stopped' };
      checkAt = made.at;
      check = { status: 'clear', claim: made.claim };
    } else {
      try {
        check = await deps.store.markSending(current, checkAt);
      } catch (error) {
        // The store could not say whether the user is back: nothing is sent, and the
        // claim ends as if the run had stopped before it; a later run picks it up.
        stats.failedChecks++;
        deps.logger.warn('send check failed: DestroySession not sent', {
          userId: current.userId,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
        return { kind: 'stopped', claim: current };
      }
      if (check.status !== 'clear') return { kind: 'check', check, claim: current };
    }
    const sendAt = deps.clock();
    current = check.claim;
    const took = sendAt - checkAt;
    const slotAge = sendAt - slotAt;
    if ((took <= MAX_CHECK_TO_SEND_MS || rechecked) && slotAge <= MAX_SLOT_TO_SEND_MS) {
      stats.checkToSend.push(took);
      // A budget that logs when calls leave counts this one now; a shared timeline spaces
      // this process's later slots by the delay instead.
      if (grant) grant.depart(sendAt);
      else gate.budget.onSendDelay?.(slotAge);
      stats.onCall();
      const call = deps.car.destroySession(current.userId).catch(thrownToFailure);
      return { kind: 'sent', claim: current, sendAt, call };
    }
    stats.lateChecks++;
    // Too old to send on: checked again, at the next slot once this one is too old.
    if (slotAge + took > MAX_SLOT_TO_SEND_MS || gate.closedFor(current)) {
      return { kind: 'again', claim: current };
    }
    rechecked = true;
  }
}

/**
 * Waits, outside the concurrency cap, until the circuit breaker lets calls
 * through. False when the run stops or the claim's cutoff comes first.
 */
async function waitForBreaker(
  claim: Claim | undefined,
  gate: CallGate,
  deps: DestroyDeps,
): Promise<boolean> {
  for (;;) {
    const now = deps.clock();
    const cutoff = gate.cutoff(claim);
    if (gate.stop.aborted || now >= cutoff) return false;
    const readyAt = gate.breaker.readyAt(now);
    if (readyAt <= now) return true;
    if (readyAt >= cutoff) return false;
    try {
      await deps.sleep(readyAt - now, gate.stop);
    } catch {
      return false;
    }
  }
}
