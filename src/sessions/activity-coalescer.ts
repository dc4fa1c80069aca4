import type { Config } from '../config.js';
import type { ActivityOptions, SessionStore } from './session-store.js';
import { assertTimestamp, assertUserId, assertUserIds } from './validation.js';

/** The writes a coalescer stands in front of. */
export type ActivityWriter = Pick<SessionStore, 'recordActivity' | 'recordDisconnect'>;

/** Options of {@link ActivityCoalescer}. */
export interface ActivityCoalescerOptions {
  /**
   * Activity less than this much newer than what this process last wrote for
   * the user is not written. 0 writes every activity.
   */
  windowMs: number;
  /** Users remembered; the least recently written are forgotten first. @default 100_000 */
  capacity?: number;
}

/** What a coalescer has done so far. */
export interface CoalescerStats {
  /** Activity writes passed on to the store, one per user id. */
  written: number;
  /** Activity not written: less than the window newer than this process's last write. */
  skipped: number;
}

/**
 * Keeps, per user, the activity time this process last wrote, and passes on
 * only activity at least `windowMs` newer (one write per window for a user
 * heartbeating all along), or bringing another class than the one it last
 * wrote. A disconnect is always written, and makes the user's next activity
 * be written at once (the return). State changes made
 * by other processes (a disconnect through another function, a claim) are not
 * seen here: activity after them is written at the end of the window at the
 * latest, which {@link coalescingWindowMs} keeps within the disconnect grace.
 */
export class ActivityCoalescer implements ActivityWriter {
  /** Per user: the activity time this process last wrote, and the class it last wrote. */
  private readonly lastWritten = new Map<string, { at: number; class?: string }>();
  private readonly capacity: number;
  private counts: CoalescerStats = { written: 0, skipped: 0 };

  constructor(
    private readonly store: ActivityWriter,
    private readonly options: ActivityCoalescerOptions,
  ) {
    this.capacity = options.capacity ?? 100_000;
  }

  async recordActivity(
    userIds: readonly string[],
    at: number,
    options: ActivityOptions = {},
  ): Promise<void> {
    assertUserIds(userIds);
    assertTimestamp(at, 'at');
    const unique = [...new Set(userIds)];
    const due = unique.filter((userId) => this.due(userId, at, options.class));
    this.counts.skipped += unique.length - due.length;
    if (due.length === 0) return;
    // Remembered before the write, so a concurrent batch does not write the same users again.
    const before = due.map((userId) => this.lastWritten.get(userId));
    for (const [index, userId] of due.entries()) {
      this.remember(userId, { at, class: options.class ?? before[index]?.class });
    }
    try {
      await this.store.recordActivity(due, at, options);
      this.counts.written += due.length;
    } catch (error) {
      due.forEach((userId, index) => {
        if (this.lastWritten.get(userId)?.at !== at) return;
        const previous = before[index];
        if (previous === undefined) this.lastWritten.delete(userId);
        else this.lastWritten.set(userId, previous);
      });
      throw error;
    }
  }

  async recordDisconnect(userId: string, at: number): Promise<void> {
    assertUserId(userId);
    this.lastWritten.delete(userId);
    try {
      await this.store.recordDisconnect(userId, at);
    } finally {
      this.lastWritten.delete(userId);
    }
  }

  stats(): CoalescerStats {
    return { ...this.counts };
  }

  /** A class other than the one last written here is a change: written at once. */
  private due(userId: string, at: number, sessionClass: string | undefined): boolean {
    const last = this.lastWritten.get(userId);
    if (this.options.windowMs <= 0 || last === undefined) return true;
    if (sessionClass !== undefined && sessionClass !== last.class) return true;
    return at - last.at >= this.options.windowMs;
  }

  private remember(userId: string, written: { at: number; class?: string }): void {
    this.lastWritten.delete(userId);
    this.lastWritten.set(userId, written);
    if (this.lastWritten.size <= this.capacity) return;
    const oldest = this.lastWritten.keys().next().value;
    if (oldest !== undefined) this.lastWritten.delete(oldest);
  }
}

/**
 * The coalescing window for a configuration: the activity resolution, but at
 * most half the disconnect grace, so that a user's return after a disconnect
 * recorded by another process is written well within the grace.
 */
export function coalescingWindowMs(
  config: Pick<Config, 'activityResolutionSeconds' | 'disconnectGraceSeconds'>,
): number {
  const resolutionMs = config.activityResolutionSeconds * 1000;
  const graceMs = config.disconnectGraceSeconds * 1000;
  return graceMs > 0 ? Math.min(resolutionMs, graceMs / 2) : resolutionMs;
}

/** An {@link ActivityCoalescer} in front of `store` with the configuration's window. */
export const coalesceActivity = (
  store: ActivityWriter,
  config: Pick<Config, 'activityResolutionSeconds' | 'disconnectGraceSeconds'>,
): ActivityCoalescer => new ActivityCoalescer(store, { windowMs: coalescingWindowMs(config) });
