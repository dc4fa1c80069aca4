import type { LimitFunction } from 'p-limit';
import type { Clock } from '../clock.js';
import type { Claim, ClaimResult, SessionStore } from '../sessions/session-store.js';
import { claimWorkItem, type WorkItem } from './candidate-source.js';
import type { ClaimAtSlot } from './destroy-claimed.js';
import type { LeasePolicy } from './lease.js';
import type { RunRules } from './run-rules.js';
import type { RunStats } from './run-stats.js';
import { needsWarning, type Warner } from './warner.js';

/** What a run's claims need. */
export interface RunClaimsDeps {
  store: SessionStore;
  claimant: string;
  clock: Clock;
  lease: LeasePolicy;
  rules: RunRules;
  warner: Warner | undefined;
  /** Claim a named session only while it is still `disconnected` (the webhook's immediate destroy). */
  onlyDisconnected?: boolean;
  stats: RunStats;
  /** Caps the store writes in flight of claims made ahead of their call. */
  storeLimit: LimitFunction;
  /** A claim made ahead of its call settled (a run waiting on its `limit` looks again). */
  onSettled(): void;
}

/**
 * How a run claims its work. A session, found or named, is claimed at its
 * call's rate slot ({@link RunClaims.atSlot}): the claim is then the call's
 * last check, one write instead of a claim and a check, and a lost claim
 * costs only its slot. For the webhook's immediate destroy the check is the
 * claim's own condition, the session still `disconnected`: a heartbeat since
 * the disconnect made it `active`. A run with a `limit` to count exactly
 * claims ahead of its calls ({@link RunClaims.now}).
 */
export class RunClaims {
  /** Claims made ahead of their call and not yet answered. */
  pending = 0;

  constructor(private readonly deps: RunClaimsDeps) {}

  /**
   * `item` claimed at its slot. A lost claim hands the slot on to the next
   * session the search found (`handOn`), so lost claims cost no quota;
   * `item` is then the one claimed.
   */
  atSlot(
    first: WorkItem,
    handOn: () => Promise<WorkItem | undefined>,
  ): ClaimAtSlot & { item: WorkItem } {
    const { stats, clock } = this.deps;
    const target = {
      item: first,
      claimAt: async (): Promise<{ claim: Claim; at: number } | undefined> => {
        for (;;) {
          const request = this.request(target.item);
          const at = clock();
          const result = await request.claim(at, true);
          if (result.status === 'claimed') {
            stats.claimed++;
            return { claim: result.claim, at };
          }
          request.lost(result);
          stats.skipped++;
          const next = await handOn();
          if (next === undefined) return undefined;
          target.item = next;
        }
      },
    };
    return target;
  }

  async now(item: WorkItem): Promise<Claim | undefined> {
    const { stats, storeLimit, clock } = this.deps;
    const request = this.request(item);
    let result: ClaimResult;
    this.pending++;
    try {
      result = await storeLimit(() => request.claim(clock(), false));
    } finally {
      this.pending--;
      this.deps.onSettled();
    }
    if (result.status === 'lost') {
      request.lost(result);
      stats.skipped++;
      return undefined;
    }
    stats.claimed++;
    return result.claim;
  }

  /** The claim at `now`, with the warning it re-checks (warned this idle period, long enough ago). */
  private request(item: WorkItem) {
    const { store, lease, claimant, rules, warner, onlyDisconnected } = this.deps;
    const warnMs = item.candidate ? rules.warnMsOf(item.candidate) : 0;
    const warnedBy = item.candidate && needsWarning(item.candidate, warnMs) ? warnMs : undefined;
    return {
      claim: (now: number, sending: boolean) =>
        claimWorkItem(
          store,
          item,
          { now, leaseMs: lease.leaseFor(now), claimant, sending },
          {
            onlyDisconnected,
            warnedBy: warnedBy === undefined ? undefined : now - warnedBy,
          },
        ),
      lost: (result: Extract<ClaimResult, { status: 'lost' }>) => {
        if (warnedBy !== undefined) warner?.afterLostClaim(result.current);
      },
    };
  }
}
