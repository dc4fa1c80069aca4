import type { SlotWrite } from './slot-math.js';

/** What a conditional write on the timeline found. */
export type SlotWriteResult =
  /** Written: `nextUs` is the timeline's new `next` (the end of the reserved batch). */
  | { ok: true; nextUs: number }
  /** The condition failed: `currentUs` is the timeline's `next` as it is (undefined: no item). */
  | { ok: false; currentUs: number | undefined };

/**
 * Where the shared timeline lives. One write per call, no reads: a failed
 * condition answers with the current value, so a retry needs no extra read.
 * Infrastructure failures (unreachable, throttled, timed out) throw.
 */
export interface SlotStore {
  write(write: SlotWrite, signal?: AbortSignal): Promise<SlotWriteResult>;
}

/**
 * The timeline in memory, with the same conditions as the DynamoDB item:
 * shared by several budgets in one process it stands in for the table in
 * unit tests and simulations of many processes.
 */
export class InMemorySlotStore implements SlotStore {
  /** Writes attempted, failed conditions included (what DynamoDB would bill). */
  writes = 0;
  failedWrites = 0;
  nextUs: number | undefined;
  /** When set, every write throws it (an unreachable table). */
  failure: Error | undefined;

  async write(write: SlotWrite): Promise<SlotWriteResult> {
    if (this.failure) throw this.failure;
    this.writes++;
    const current = this.nextUs;
    if (write.kind === 'reset') {
      if (current === undefined || current < write.floorUs) {
        this.nextUs = write.endUs;
        return { ok: true, nextUs: write.endUs };
      }
    } else if (current !== undefined && current >= write.floorUs && current <= write.ceilingUs) {
      this.nextUs = current + write.addUs;
      return { ok: true, nextUs: this.nextUs };
    }
    this.failedWrites++;
    return { ok: false, currentUs: current };
  }
}
