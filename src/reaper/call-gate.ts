import pLimit, { type LimitFunction } from 'p-limit';
import type { Clock } from '../clock.js';
import type { RateBudget } from '../rate/rate-budget.js';
import type { Claim } from '../sessions/session-store.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { LatencyTracker } from './concurrency.js';

/** Upper bound of the adaptive concurrency. */
const MAX_ADAPTIVE_CONCURRENCY = 256;

export interface CallGateOptions {
  /** Calls in flight to start with. */
  concurrency: number;
  /** Raise the concurrency if calls turn out slower than expected (not when configured). */
  adaptConcurrency: boolean;
  quotaRps: number;
  /** The run's budget (its lane of a shared one). */
  budget: RateBudget;
  /** Shared by the reaper's runs: a run that starts during an outage begins with a probe. */
  breaker: CircuitBreaker;
  /** Gets the CAR client ready to send at once (CarApi.prepare); called once. */
  prepare(): Promise<void> | undefined;
  /** Aborted when the run stops (deadline, abort, auth, outage): no new call may start. */
  stop: AbortSignal;
  /** Last moment a call on this claim may start (deadline, or the lease less its margin). */
  cutoff(claim: Claim | undefined): number;
  clock: Clock;
}

/**
 * What a DestroySession of one run passes before it may go: the run's stop
 * signal and the claim's cutoff, the circuit breaker, the concurrency cap,
 * the client's readiness and the rate budget.
 */
export class CallGate {
  readonly budget: RateBudget;
  readonly breaker: CircuitBreaker;
  readonly stop: AbortSignal;
  private readonly limit: LimitFunction;
  private readonly latency: LatencyTracker;
  private ready: Promise<void> | undefined;

  constructor(private readonly options: CallGateOptions) {
    this.budget = options.budget;
    this.breaker = options.breaker;
    this.stop = options.stop;
    this.limit = pLimit(options.concurrency);
    this.latency = new LatencyTracker(options.quotaRps, { max: MAX_ADAPTIVE_CONCURRENCY });
  }

  /** Calls allowed in flight now. */
  get concurrency(): number {
    return this.limit.concurrency;
  }

  /** Runs `call` within the concurrency cap (the slot, the last check and the call itself). */
  within<T>(call: () => Promise<T>): Promise<T> {
    return this.limit(call);
  }

  /** Resolves once the CAR client can send at once; never rejects. */
  whenReady(): Promise<void> {
    this.ready ??= this.options.prepare()?.catch(() => undefined) ?? Promise.resolve();
    return this.ready;
  }

  /** Last moment a call on `claim` may start; a claim not made yet has the run's deadline. */
  cutoff(claim: Claim | undefined): number {
    return this.options.cutoff(claim);
  }

  /** No new call may start on `claim`: the run stopped or its cutoff passed. */
  closedFor(claim: Claim | undefined): boolean {
    return this.stop.aborted || this.options.clock() >= this.cutoff(claim);
  }

  /** A call came back after `latencyMs`, `callsSent` into the run: slow calls raise the cap. */
  callDone(latencyMs: number, callsSent: number): void {
    this.latency.observe(latencyMs);
    if (!this.options.adaptConcurrency || callsSent % 20 !== 0) return;
    const suggested = Math.min(MAX_ADAPTIVE_CONCURRENCY, this.latency.suggest());
    if (suggested > this.limit.concurrency) this.limit.concurrency = suggested;
  }
}
