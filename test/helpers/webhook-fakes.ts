import { createHash } from 'node:crypto';
import type { Reaper, ReapOptions, ReapSummary } from '../../src/reaper/types.js';
import type { Session, SessionStore } from '../../src/sessions/session-store.js';

/** The slice of SessionStore the webhook handlers use, in memory, with a call log. */
export class FakeWebhookStore
  implements Pick<SessionStore, 'recordActivity' | 'recordDisconnect' | 'get'>
{
  readonly sessions = new Map<string, Session>();
  readonly calls: string[] = [];
  failWith?: Error;

  async recordActivity(userIds: readonly string[], at: number): Promise<void> {
    this.calls.push(`activity ${userIds.join(',')} @${at}`);
    if (this.failWith) throw this.failWith;
    for (const userId of userIds) {
      const current = this.sessions.get(userId);
      this.sessions.set(userId, {
        ...(current ?? newSession(userId, at)),
        state: 'active',
        disconnectedAt: undefined,
        lastActiveAt: Math.max(current?.lastActiveAt ?? 0, at),
      });
    }
  }

  async recordDisconnect(userId: string, at: number): Promise<void> {
    this.calls.push(`disconnect ${userId} @${at}`);
    if (this.failWith) throw this.failWith;
    const current = this.sessions.get(userId) ?? newSession(userId, at);
    // Like the real store: a disconnect older than the last activity does not win.
    if (current.lastActiveAt > at && current.state === 'active') return;
    this.sessions.set(userId, { ...current, state: 'disconnected', disconnectedAt: at });
  }

  async get(userId: string): Promise<Session | undefined> {
    return this.sessions.get(userId);
  }
}

const newSession = (userId: string, at: number): Session => ({
  userId,
  state: 'active',
  lastActiveAt: at,
  startedAt: at,
  attempts: 0,
  version: 1,
});

/** A Reaper that records its options and answers a canned summary. */
export class FakeReaper implements Reaper {
  readonly runs: ReapOptions[] = [];
  failWith?: Error;
  constructor(private answer: Partial<ReapSummary> = {}) {}

  /** Changes the canned summary of the next runs. */
  answerWith(answer: Partial<ReapSummary>): void {
    this.answer = answer;
  }

  async reap(options: ReapOptions): Promise<ReapSummary> {
    this.runs.push(options);
    if (this.failWith) throw this.failWith;
    return summary({ trigger: options.trigger, dryRun: options.dryRun ?? false, ...this.answer });
  }
}

/** A complete ReapSummary with zero counts, overridden by `fields`. */
export const summary = (fields: Partial<ReapSummary> = {}): ReapSummary => ({
  trigger: 'manual',
  candidates: 0,
  claimed: 0,
  destroyed: 0,
  retried: 0,
  failed: 0,
  alreadyGone: 0,
  terminalFailures: 0,
  oldestRetryAgeMs: 0,
  returned: 0,
  claimToSendMs: { count: 0, p50: 0, p99: 0, max: 0 },
  lateChecks: 0,
  failedChecks: 0,
  breakerOpened: 0,
  throttled: 0,
  skipped: 0,
  dryRun: false,
  durationMs: 0,
  achievedRps: 0,
  ...fields,
});

/** A valid `whsec_` secret (32 bytes) derived from `label`, the same on every run. */
export const testWebhookSecret = (label: string): string =>
  `whsec_${createHash('sha256').update(label).digest('base64')}`;
