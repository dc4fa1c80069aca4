import type { SlotGrant } from './rate-budget.js';

/**
 * Which lane a caller draws from. `priority`: webhook destroys and destroys
 * of named sessions, where someone waits for the answer. `bulk`: a sweep of
 * the table, where a second more or less does not matter.
 */
export type Lane = 'priority' | 'bulk';

interface Waiter {
  lane: Lane;
  since: number;
  resolve: (grant: SlotGrant | undefined) => void;
  reject: (reason: unknown) => void;
  detach: () => void;
}

/**
 * Callers waiting for a slot, each until it is released or its signal
 * aborts: priority ones are served first, each lane in arrival order.
 */
export class WaiterQueue {
  private readonly queues: Record<Lane, Waiter[]> = { priority: [], bulk: [] };

  get size(): number {
    return this.queues.priority.length + this.queues.bulk.length;
  }

  get hasPriority(): boolean {
    return this.queues.priority.length > 0;
  }

  /** When the caller `position` places from the front (0 = next served) arrived. */
  arrivalAt(position: number): number | undefined {
    const { priority, bulk } = this.queues;
    return position < priority.length
      ? priority[position]?.since
      : bulk[position - priority.length]?.since;
  }

  /** Queues a caller arriving at `now`; rejects with the signal's reason if it aborts first. */
  add(lane: Lane, now: number, signal: AbortSignal | undefined): Promise<SlotGrant | undefined> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<SlotGrant | undefined>((resolve, reject) => {
      const queue = this.queues[lane];
      const onAbort = () => {
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        lane,
        since: now,
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
    });
  }

  /**
   * Lets the next caller go (priority first), handing it `grant`; returns it,
   * or undefined if none waits.
   */
  release(grant?: SlotGrant): { lane: Lane; since: number } | undefined {
    const waiter = this.queues.priority.shift() ?? this.queues.bulk.shift();
    if (!waiter) return undefined;
    waiter.detach();
    waiter.resolve(grant);
    return waiter;
  }
}
