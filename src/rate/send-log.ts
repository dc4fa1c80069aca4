import { assertNumberAtLeast } from '../validation.js';

/**
 * The times of the last `capacity` sends, in a fixed ring buffer: O(1) to
 * record and to look up the n-th most recent, no allocation per call.
 */
export class SendLog {
  private readonly times: Float64Array;
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    assertNumberAtLeast(capacity, 'capacity', 1, { integer: true });
    this.times = new Float64Array(capacity);
  }

  /** Number of sends remembered (at most `capacity`). */
  get size(): number {
    return this.count;
  }

  record(time: number): void {
    this.times[this.next] = time;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Time of the n-th most recent send (1 = the last one), or undefined if fewer were made. */
  nthMostRecent(n: number): number | undefined {
    if (n < 1 || n > this.count) return undefined;
    return this.times[(this.next - n + this.capacity) % this.capacity];
  }

  /**
   * Moves a send logged at `from` to `to` (a call granted at `from` left at
   * `to`), keeping the log in time order; one not found (long gone from the
   * log) is logged at `to`. O(capacity): the log holds a quota's worth.
   */
  move(from: number, to: number): void {
    const times: number[] = [];
    for (let n = this.count; n >= 1; n--) times.push(this.nthMostRecent(n) as number);
    const found = times.lastIndexOf(from);
    if (found >= 0) times.splice(found, 1);
    let at = times.length;
    while (at > 0 && (times[at - 1] as number) > to) at--;
    times.splice(at, 0, to);
    this.next = 0;
    this.count = 0;
    for (const time of times.slice(-this.capacity)) this.record(time);
  }

  /** Sends at or after `since`. */
  countSince(since: number): number {
    let n = 0;
    while (n < this.count && (this.nthMostRecent(n + 1) as number) >= since) n++;
    return n;
  }
}
