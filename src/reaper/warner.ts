import type { LimitFunction } from 'p-limit';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { DEFAULT_CLASS } from '../policies/session-classes.js';
import type {
  Candidate,
  FindWarnableOptions,
  Session,
  SessionStore,
  WarnReason,
} from '../sessions/session-store.js';
import { type WarnPolicy, warnedThisPeriod, warningFor } from '../sessions/warnings.js';
import type { EventSink } from './event-sink.js';
import { eventReasonOf, makeEvent } from './reaper-events.js';

/** What the warn-first rule says of a due session: claim it, warn it first, or wait. */
export type WarnGate = 'claim' | 'warn' | 'wait';

const WARNED_REASONS: ReadonlySet<string> = new Set(['idle', 'disconnected', 'max-age']);

/** Whether a claim of this candidate must find it warned long enough ago. */
export const needsWarning = (candidate: Candidate, warnMs: number): boolean =>
  warnMs > 0 && WARNED_REASONS.has(candidate.reason);

/**
 * The warn-first rule for a due candidate, on the session as the search read
 * it. Sessions found due by the idle, disconnect or age rules are claimed
 * only once warned in their current idle period at least `warnMs` ago: one
 * not warned is warned now (and reaped no sooner than `warnMs` later), one
 * warned less long ago waits. Retries and expired claims were warned before
 * their first claim. An active session's index entry holds an activity mark
 * at most its lastActiveAt, so "warned" may be wrong there (activity since
 * the warning, within the mark's step): the claim re-checks it on the item.
 */
export function warnGate(candidate: Candidate, now: number, warnMs: number): WarnGate {
  if (!needsWarning(candidate, warnMs)) return 'claim';
  const { session } = candidate;
  if (!warnedThisPeriod(session)) return 'warn';
  return (session.warnedAt as number) + warnMs <= now ? 'claim' : 'wait';
}

export interface WarnerDeps {
  store: SessionStore;
  events: EventSink;
  clock: Clock;
  logger: Logger;
  /** Caps the warning reads and writes in flight (the run's store limit). */
  limit: LimitFunction;
  /** The rules of a session's class for this run, its warning time included. */
  policyOf(sessionClass: string | undefined): WarnPolicy;
  /** The run's stop (deadline, Ctrl-C): no warning starts after it. */
  signal?: AbortSignal;
}

/**
 * Sends `session.warning` events for one run: for sessions about to be due
 * (a search of their own, beside the reap's) and for due sessions the reap
 * found unwarned. Each warning is judged on the session's own item, written
 * as a conditional `warnedAt` (at most one per idle period, whoever writes
 * first), then published; no CAR call and no rate token is involved.
 */
export class Warner {
  warned = 0;
  private readonly tasks = new Set<Promise<void>>();

  constructor(private readonly deps: WarnerDeps) {}

  /** Warns every session that becomes due within its class's warning time. */
  warnUpcoming(search: Omit<FindWarnableOptions, 'now'>): void {
    const { store, clock } = this.deps;
    const find = async () => {
      for await (const page of store.findWarnable?.({ ...search, now: clock() }) ?? []) {
        if (this.deps.signal?.aborted) break;
        for (const { session, reason, dueAt } of page) this.warn(session, reason, dueAt);
      }
    };
    this.track(find());
  }

  /**
   * Warns a due session the reap found unwarned, judged on its item: an
   * active session's index entry has a mark, not its lastActiveAt, so it is
   * read first. The reap leaves it for a later run.
   */
  warnDue(candidate: Candidate): void {
    const { session } = candidate;
    if (session.idleCutoff === undefined) {
      this.judge(session);
      return;
    }
    this.track(
      this.deps.limit(async () => {
        const item = await this.deps.store.get(session.userId);
        if (item) this.judge(item);
      }),
    );
  }

  /**
   * A claim refused for want of a warning in the current idle period (there
   * was activity since the last one): the item the claim returned is judged.
   */
  afterLostClaim(current: Session | undefined): void {
    if (current && !warnedThisPeriod(current)) this.judge(current);
  }

  /** Resolves once every warning of the run is written and published. */
  async settled(): Promise<void> {
    while (this.tasks.size > 0) await Promise.all([...this.tasks]);
  }

  private judge(session: Session): void {
    const warning = warningFor(session, this.deps.policyOf(session.class), this.deps.clock());
    if (warning) this.warn(session, warning.reason, warning.dueAt);
  }

  private warn(session: Session, reason: WarnReason, dueAt: number): void {
    const { store, events, clock, limit } = this.deps;
    const warnMs = this.deps.policyOf(session.class).warnMs ?? 0;
    this.track(
      limit(async () => {
        if (this.deps.signal?.aborted) return;
        const at = clock();
        if (!(await store.markWarned?.(session, at))) return;
        this.warned++;
        events.publish(
          makeEvent(
            'session.warning',
            {
              userId: session.userId,
              class: session.class ?? DEFAULT_CLASS,
              reason: eventReasonOf(reason),
              // Never sooner than warnMs after the warning: the claim requires that much.
              dueAt: new Date(Math.max(dueAt, at + warnMs)).toISOString(),
            },
            at,
          ),
        );
      }),
    );
  }

  /** A failed warning is logged; the session stays unwarned, so it is not reaped either. */
  private track(work: Promise<void>): void {
    const task: Promise<void> = work
      .catch((error: unknown) => {
        this.deps.logger.error('warning not sent', { error: String(error) });
      })
      .finally(() => this.tasks.delete(task));
    this.tasks.add(task);
  }
}
