import type { Sleep } from '../clock.js';
import { ClaimLostError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Claim, Outcome, SessionStore } from '../sessions/session-store.js';

export interface OutcomeRecorderOptions {
  store: SessionStore;
  sleep: Sleep;
  logger: Logger;
  /** Writes tried per outcome. @default 4 */
  tries?: number;
  /** Pause before the n-th retry: base * 2^(n-1) ms. @default 100 */
  baseDelayMs?: number;
  /** Wraps each write (the run's cap on store calls in flight). @default none */
  limit?: <T>(write: () => Promise<T>) => Promise<T>;
}

/**
 * Writes outcomes, never dropping one silently: a failed write is retried
 * (the DynamoDB SDK already retried; this rides out a longer blip), and one
 * that still fails is logged at error level with the whole outcome, so an
 * operator can see what CAR did. The claim's lease then expires and a later
 * run picks the session up again (a DestroySession on an ended session is
 * answered as done, so the repeat is harmless). A lost claim is not retried:
 * another run owns the session now.
 */
export class OutcomeRecorder {
  constructor(private readonly options: OutcomeRecorderOptions) {}

  /** Returns true if the outcome was written. */
  async record(claim: Claim, outcome: Outcome): Promise<boolean> {
    const { store, sleep, logger, tries = 4, baseDelayMs = 100 } = this.options;
    let lastError: unknown;
    for (let attempt = 0; attempt < tries; attempt++) {
      if (attempt > 0) await sleep(baseDelayMs * 2 ** (attempt - 1));
      try {
        const write = () => store.recordOutcome(claim, outcome);
        await (this.options.limit ? this.options.limit(write) : write());
        return true;
      } catch (error) {
        lastError = error;
        if (error instanceof ClaimLostError) break;
      }
    }
    logger.error('outcome not recorded', {
      userId: claim.userId,
      claimant: claim.claimant,
      outcome,
      error: describe(lastError),
      claimLost: lastError instanceof ClaimLostError,
    });
    return false;
  }
}

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
