import type { Claim } from '../sessions/session-store.js';
import { DEFAULT_LEASE_MARGIN_MS, DEFAULT_LEASE_MS, type ReaperSettings } from './settings.js';

/**
 * How long a run holds its claims. A claim must outlive this run's handling
 * of it, or a second run could take the session while our call is in flight
 * (two DestroySession calls, two outcomes racing). The run's handling ends at
 * its cutoff (no call starts after it) plus one call and the outcome write:
 * - with a deadline, the cutoff is the deadline, so the lease runs to the
 *   deadline plus the margin (for a one-minute Lambda, about 65-75 s);
 * - without one (CLI), DEFAULT_LEASE_MS, and calls stop a margin before the
 *   lease ends (retries left over are recorded for a later run);
 * - a configured `leaseMs` is taken as is (tests of crash recovery use a
 *   short one), with the margin shrunk to at most half of it.
 * A crashed run's sessions come back when its leases expire.
 */
export class LeasePolicy {
  constructor(
    private readonly settings: Pick<ReaperSettings, 'leaseMs' | 'leaseMarginMs'>,
    /** Epoch ms; +Infinity without a deadline. */
    private readonly deadline: number,
  ) {}

  /** Lease for a claim made at `now`. */
  leaseFor(now: number): number {
    const { leaseMs } = this.settings;
    if (leaseMs !== undefined) return leaseMs;
    if (Number.isFinite(this.deadline)) return Math.max(0, this.deadline - now) + this.margin();
    return DEFAULT_LEASE_MS;
  }

  /** Last moment a call on `claim` may start (on a claim not made yet: the deadline). */
  cutoff(claim: Claim | undefined): number {
    if (claim === undefined) return this.deadline;
    return Math.min(this.deadline, claim.leaseExpiresAt - this.margin());
  }

  private margin(): number {
    const { leaseMs, leaseMarginMs = DEFAULT_LEASE_MARGIN_MS } = this.settings;
    return leaseMs === undefined ? leaseMarginMs : Math.min(leaseMarginMs, leaseMs / 2);
  }
}
