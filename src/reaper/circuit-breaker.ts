import type { Clock, Sleep } from '../clock.js';

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  clock: Clock;
  /** Recent call results the failure ratio is taken over. @default 20 */
  windowSize?: number;
  /** Results needed before the breaker may open. @default 10 */
  minCalls?: number;
  /** Share of retryable failures among the recent results that opens it. @default 0.5 */
  failureRatio?: number;
  /** First open period, doubled by every failed probe. @default 1000 */
  openMs?: number;
  /** Longest open period. @default 30_000 */
  maxOpenMs?: number;
}

/** What a call did, as far as CAR's health goes. */
export type CallHealth = 'success' | 'failure' | 'neutral';

/** A granted call; `done` must be called once, with what it did (or `neutral` if it never went out). */
export interface BreakerPermit {
  probe: boolean;
  done(health: CallHealth): void;
}

/** How often a caller held back by a probe in flight looks again, in ms. */
const PROBE_POLL_MS = 100;

/**
 * Stops a run from spending its calls on a CAR that is down. Closed, every
 * call goes; once most of the recent calls failed retryably (timeouts,
 * resets, InternalError...), it opens: no call starts until the open period
 * ends, then one probe call goes (half-open). A probe that succeeds closes
 * it; one that fails opens it again for twice as long. Answers that say
 * nothing about CAR's health (throttled, busy, terminal) are neutral.
 * One breaker serves every run of a reaper, so a run that starts during an
 * outage begins with a probe, not with a burst of calls.
 */
export class CircuitBreaker {
  /** Times the breaker opened (half-open probes that failed included). */
  opened = 0;
  /** Probes that failed. */
  failedProbes = 0;
  private recent: boolean[] = [];
  private state: 'closed' | 'open' = 'closed';
  private openUntil = 0;
  private openFor: number;
  private probing = false;
  private readonly windowSize: number;
  private readonly minCalls: number;
  private readonly failureRatio: number;
  private readonly baseOpenMs: number;
  private readonly maxOpenMs: number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.windowSize = options.windowSize ?? 20;
    this.minCalls = options.minCalls ?? 10;
    this.failureRatio = options.failureRatio ?? 0.5;
    this.baseOpenMs = options.openMs ?? 1000;
    this.maxOpenMs = options.maxOpenMs ?? 30_000;
    this.openFor = this.baseOpenMs;
  }

  /** Whether calls are held back now. */
  isOpen(): boolean {
    return this.state === 'open';
  }

  /** When a call may next be tried: now when closed, else the open period's end (or a poll while a probe is out). */
  readyAt(now = this.options.clock()): number {
    if (this.state === 'closed') return now;
    if (now < this.openUntil) return this.openUntil;
    return this.probing ? now + PROBE_POLL_MS : now;
  }

  /** A permit for a call now, or undefined when the breaker holds calls back. */
  acquire(now = this.options.clock()): BreakerPermit | undefined {
    if (this.state === 'closed') {
      return { probe: false, done: (health) => this.record(health) };
    }
    if (now < this.openUntil || this.probing) return undefined;
    this.probing = true;
    let settled = false;
    return {
      probe: true,
      done: (health) => {
        if (settled) return;
        settled = true;
        this.probing = false;
        this.settleProbe(health);
      },
    };
  }

  private record(health: CallHealth): void {
    if (health === 'neutral' || this.state !== 'closed') return;
    this.recent.push(health === 'failure');
    if (this.recent.length > this.windowSize) this.recent.shift();
    const failures = this.recent.filter(Boolean).length;
    if (this.recent.length >= this.minCalls && failures >= this.failureRatio * this.recent.length) {
      this.open(this.baseOpenMs);
    }
  }

  private settleProbe(health: CallHealth): void {
    if (health === 'success') {
      this.state = 'closed';
      this.recent = [];
      this.openFor = this.baseOpenMs;
    } else if (health === 'failure') {
      this.failedProbes++;
      this.open(Math.min(this.maxOpenMs, this.openFor * 2));
    }
  }

  private open(forMs: number): void {
    this.state = 'open';
    this.opened++;
    this.openFor = forMs;
    this.openUntil = this.options.clock() + forMs;
  }
}

/** Failed probes after which a run stops and leaves the rest to later runs. */
export const MAX_FAILED_PROBES_PER_RUN = 3;

/**
 * Waits while the breaker holds calls back. `outage` when the probes of this
 * run (failed ones beyond `failedProbesBefore`) keep failing, or the breaker
 * stays open past `deadline`; `stopped` when the run stopped first.
 */
export async function waitOutOutage(
  breaker: CircuitBreaker,
  run: {
    failedProbesBefore: number;
    deadline: number;
    stopped(): boolean;
    signal: AbortSignal;
    clock: Clock;
    sleep: Sleep;
  },
): Promise<'ready' | 'outage' | 'stopped'> {
  for (;;) {
    if (run.stopped()) return 'stopped';
    if (breaker.failedProbes - run.failedProbesBefore >= MAX_FAILED_PROBES_PER_RUN) return 'outage';
    const now = run.clock();
    const readyAt = breaker.readyAt(now);
    if (readyAt <= now) return 'ready';
    if (readyAt >= run.deadline) return 'outage';
    await run.sleep(Math.min(readyAt - now, 1000), run.signal);
  }
}
