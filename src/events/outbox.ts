import type { ReaperEvent } from '../reaper/reaper-events.js';

/** An event a run could not deliver, kept for the next run. */
export interface OutboxEntry {
  event: ReaperEvent;
  /** Delivery attempts so far, across runs. */
  attempts: number;
  /** When it was first kept (epoch ms); entries past the outbox's retention are dropped. */
  keptAt: number;
}

/**
 * Durable store of undelivered events, one list per target (`webhook`,
 * `eventbridge`). Keeping an entry whose event id is already kept replaces it.
 */
export interface EventOutbox {
  keep(target: string, entries: readonly OutboxEntry[]): Promise<void>;
  /** Up to `limit` kept entries, oldest first. They stay kept until removed. */
  load(target: string, limit: number): Promise<OutboxEntry[]>;
  remove(target: string, eventIds: readonly string[]): Promise<void>;
}

/** An outbox in memory: for tests, and for a process that outlives its runs. */
export class MemoryOutbox implements EventOutbox {
  private readonly targets = new Map<string, Map<string, OutboxEntry>>();

  private of(target: string): Map<string, OutboxEntry> {
    let entries = this.targets.get(target);
    if (!entries) {
      entries = new Map();
      this.targets.set(target, entries);
    }
    return entries;
  }

  async keep(target: string, entries: readonly OutboxEntry[]): Promise<void> {
    const kept = this.of(target);
    for (const entry of entries) kept.set(entry.event.id, structuredClone(entry));
  }

  async load(target: string, limit: number): Promise<OutboxEntry[]> {
    return [...this.of(target).values()]
      .sort((a, b) => a.keptAt - b.keptAt)
      .slice(0, limit)
      .map((entry) => structuredClone(entry));
  }

  async remove(target: string, eventIds: readonly string[]): Promise<void> {
    const kept = this.of(target);
    for (const id of eventIds) kept.delete(id);
  }

  /** Entries kept for `target`. */
  size(target: string): number {
    return this.of(target).size;
  }
}
