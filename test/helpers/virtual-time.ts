import type { Clock, Sleep } from '../../src/clock.js';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * Deterministic virtual time for code that takes a Clock and a Sleep: time
 * stands still while any promise work is pending and jumps to the next timer
 * only when everything is waiting. A run of minutes finishes in milliseconds.
 */
export class VirtualTime {
  now: number;
  private timers: Timer[] = [];
  private seq = 0;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.now = start;
  }

  readonly clock: Clock = () => this.now;

  readonly sleep: Sleep = (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer: Timer = {
        at: this.now + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.timers = this.timers.filter((t) => t !== timer);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });

  /** Number of timers waiting. */
  get pending(): number {
    return this.timers.length;
  }

  /** Lets every pending promise callback run (macrotask turn). */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Advances to the next timer and fires every timer due then. Returns false if none. */
  async step(): Promise<boolean> {
    await this.settle();
    if (this.timers.length === 0) return false;
    this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const first = this.timers[0] as Timer;
    this.now = Math.max(this.now, first.at);
    const due = this.timers.filter((t) => t.at <= this.now);
    this.timers = this.timers.filter((t) => t.at > this.now);
    for (const timer of due) timer.resolve();
    await this.settle();
    return true;
  }

  /** Advances time by `ms`, firing timers in order on the way. */
  async advance(ms: number): Promise<void> {
    const until = this.now + ms;
    for (;;) {
      await this.settle();
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const first = this.timers[0];
      if (!first || first.at > until) break;
      await this.step();
    }
    this.now = until;
    await this.settle();
  }

  /** Drives time until `promise` settles; fails if it waits on nothing time can bring. */
  async run<T>(promise: Promise<T>, maxSteps = 1_000_000): Promise<T> {
    let done = false;
    const watched = promise.finally(() => {
      done = true;
    });
    watched.catch(() => {});
    for (let steps = 0; !done; steps++) {
      if (steps > maxSteps) throw new Error('virtual time: too many steps');
      const advanced = await this.step();
      if (!advanced && !done) {
        await this.settle();
        if (!done) throw new Error('virtual time: deadlock (nothing scheduled, promise pending)');
      }
    }
    return watched;
  }
}
