import { setMaxListeners } from 'node:events';
import type { CarFailure } from '../car/car-api.js';
import type { Logger } from '../logger.js';
import type { StopReason } from './types.js';

/**
 * Whether a run goes on: its stop signal and why it stopped, the store
 * failure that ends it, and the tasks waiting for something to change (a
 * claim finished, a slot freed, the run stopped).
 */
export class RunControl {
  private readonly controller = new AbortController();
  /** Why the run stopped claiming, first reason kept (an auth failure overrides). */
  reason: StopReason | undefined;
  /** The infrastructure error that ends the run, once its claims are finished. */
  fatal: unknown;
  /** The first refusal of the credentials, reported in the summary. */
  authError: { code: string; message: string } | undefined;
  private wakeups: (() => void)[] = [];

  constructor() {
    // Every waiting task listens on the stop signal (slot wait or backoff sleep).
    setMaxListeners(0, this.controller.signal);
  }

  /** Aborted when the run stops claiming: no new call may start. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopped(): boolean {
    return this.controller.signal.aborted || this.fatal !== undefined;
  }

  /** Stops claiming; calls not yet started are released, calls in flight finish. */
  halt(reason?: StopReason): void {
    if (reason) this.reason ??= reason;
    this.controller.abort();
    this.notify();
  }

  /**
   * An infrastructure error (the store): claim nothing more, finish the
   * sessions already claimed (their outcomes still get written if the store
   * comes back), then reject the run.
   */
  fail(error: unknown): void {
    this.fatal ??= error;
    this.notify();
  }

  /** CAR refused the credentials: no call can succeed, so the run stops at once. */
  authFailed(failure: CarFailure, logger: Logger): void {
    if (!this.authError) {
      this.authError = { code: failure.code, message: failure.message };
      logger.error('CAR refused the credentials: stopping the run', {
        code: failure.code,
        message: failure.message,
        requestId: failure.requestId,
      });
    }
    this.reason = 'auth';
    this.halt('auth');
  }

  nextChange(): Promise<void> {
    return new Promise((resolve) => this.wakeups.push(resolve));
  }

  notify(): void {
    const wakeups = this.wakeups;
    this.wakeups = [];
    for (const wake of wakeups) wake();
  }
}
