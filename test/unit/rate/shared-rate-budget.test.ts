import { describe, expect, it } from 'vitest';
import { maxInAnyWindow } from '../../../src/emulator/quota.js';
import { ValidationError } from '../../../src/errors.js';
import { SharedRateBudget } from '../../../src/rate/shared-rate-budget.js';
import { InMemorySlotStore } from '../../../src/rate/slot-store.js';
import { VirtualTime } from '../../helpers/virtual-time.js';

type Options = ConstructorParameters<typeof SharedRateBudget>[1];

// Grants (send times) may be up to 20 ms after their slot; slots are 1040 / 100 ms apart.
// So no window of 1000 + 20 ms jitter holds more than 100 sends, and no server
// second more than 100 arrivals: the checks below use 1020.

function setup(processes: number, options: Partial<Options> = {}) {
  const time = new VirtualTime();
  const store = new InMemorySlotStore();
  let seed = 1;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const budgets = Array.from(
    { length: processes },
    () =>
      new SharedRateBudget(store, {
        quota: 100,
        clock: time.clock,
        sleep: time.sleep,
        random,
        ...options,
      }),
  );
  return { time, store, budgets };
}

/** `callers` loops taking `each` slots from `take`, recording grant times. */
function drive(
  take: () => Promise<unknown>,
  callers: number,
  each: number,
  grants: number[],
  time: VirtualTime,
) {
  return Promise.all(
    Array.from({ length: callers }, async () => {
      for (let i = 0; i < each; i++) {
        await take();
        grants.push(time.now);
      }
    }),
  );
}

describe('Class: SharedRateBudget', () => {
  it("follows a cold start's batch with empty time, later batches with none, and is cold again after an idle spell", async () => {
    const { time, store, budgets } = setup(1);
    const [budget] = budgets as [SharedRateBudget];
    const interval = 10.4; // ms at 96.2/s
    const grants: number[] = [];
    const start = time.now;
    await time.run(drive(() => budget.take(), 30, 1, grants, time));
    const gaps = grants.slice(1).map((at, i) => Math.round(at - (grants[i] as number)));
    // 10 slots, then 100 ms of nothing (the cold gap, < 10 intervals), then slots with none.
    expect(grants[0]).toBe(start);
    expect(gaps.slice(0, 9).every((gap) => gap <= 11)).toBe(true);
    expect(gaps[9]).toBeGreaterThanOrEqual(Math.round(interval + 100));
    expect(gaps.slice(10).every((gap) => gap <= 11)).toBe(true);

    // Idle past coldAfterMs: a lone webhook destroy reserves its slot and one slot of gap.
    await time.run(time.sleep(11_000));
    const before = time.now;
    await time.run(budget.takeIn('priority'));
    expect(store.nextUs).toBe(Math.floor(before * 1000) + 2 * 10_400);
    expect(budget.stats().coldGaps).toBe(2);
  });

  it('reserves no gap when the cold start gap is 0', async () => {
    const { time, store, budgets } = setup(1, { coldStartGapMs: 0 });
    const before = time.now;
    await time.run((budgets[0] as SharedRateBudget).takeIn('priority'));
    expect(store.nextUs).toBe(Math.floor(before * 1000) + 10_400);
  });

  it('holds four processes together within the quota in every window, at >= 90% of it', async () => {
    const { time, store, budgets } = setup(4);
    const grants: number[] = [];
    const start = time.now;
    await time.run(Promise.all(budgets.map((b) => drive(() => b.take(), 20, 50, grants, time))));
    expect(grants).toHaveLength(4000);
    expect(maxInAnyWindow(grants, 1020)).toBeLessThanOrEqual(100);
    const rate = grants.length / ((time.now - start) / 1000);
    expect(rate).toBeGreaterThan(90);
    expect(rate).toBeLessThanOrEqual(96.2);
    // Budget writes (failed conditions included) per call granted: <= 0.2 is the goal.
    expect(store.writes / grants.length).toBeLessThanOrEqual(0.2);
  });

  it('holds the bound when callers trickle in at odd times, and keeps writes low', async () => {
    const { time, store, budgets } = setup(3);
    let seed = 7;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    const grants: number[] = [];
    await time.run(
      Promise.all(
        budgets.map((b) =>
          Promise.all(
            Array.from({ length: 70 }, async () => {
              for (let i = 0; i < 15; i++) {
                await time.sleep(random() * 1500);
                await b.take();
                grants.push(time.now);
              }
            }),
          ),
        ),
      ),
    );
    expect(grants).toHaveLength(3150);
    expect(maxInAnyWindow(grants, 1020)).toBeLessThanOrEqual(100);
    expect(store.writes / grants.length).toBeLessThanOrEqual(0.2);
    expect(budgets.every((b) => b.stats().expired === 0)).toBe(true);
  });

  it('shares the quota fairly enough that every process makes progress', async () => {
    const { time, budgets } = setup(3);
    const perProcess = [0, 0, 0];
    const grants: number[] = [];
    const stop = time.now + 5000;
    await time.run(
      Promise.all(
        budgets.map((b, i) =>
          Promise.all(
            Array.from({ length: 6 }, async () => {
              while (time.now < stop) {
                await b.take();
                grants.push(time.now);
                perProcess[i] = (perProcess[i] as number) + 1;
              }
            }),
          ),
        ),
      ),
    );
    for (const count of perProcess) expect(count).toBeGreaterThan(100);
    expect(maxInAnyWindow(grants, 1020)).toBeLessThanOrEqual(100);
  });

  it('reserves one slot, in one write, for a lone priority caller, at once', async () => {
    const { time, store, budgets } = setup(1);
    const budget = budgets[0] as SharedRateBudget;
    const before = time.now;
    await time.run(budget.lane('priority').take());
    expect(time.now).toBe(before);
    expect(store.writes).toBe(1);
    expect(budget.stats()).toMatchObject({ reserved: 1, granted: 1, expired: 0 });
  });

  it('lets bulk callers gather for up to 100 ms so one write serves several', async () => {
    const { time, store, budgets } = setup(1);
    const budget = budgets[0] as SharedRateBudget;
    const before = time.now;
    const first = budget.take();
    await time.advance(20);
    await time.run(Promise.all([first, budget.take(), budget.take()]));
    expect(store.writes).toBe(1);
    expect(budget.stats()).toMatchObject({ reserved: 3, granted: 3, expired: 0 });
    expect(budget.stats().wait.bulk.maxMs).toBeLessThanOrEqual(100 + 2 * 10.4);
    expect(time.now - before).toBeLessThan(130);
  });

  it('never banks idle time: after a quiet spell a burst is paced, not sent at once', async () => {
    const { time, budgets } = setup(2);
    const [a, b] = budgets as [SharedRateBudget, SharedRateBudget];
    await time.run(a.take());
    await time.advance(10_000);
    const grants: number[] = [];
    await time.run(
      Promise.all([
        drive(() => a.take(), 50, 2, grants, time),
        drive(() => b.take(), 50, 2, grants, time),
      ]),
    );
    expect(maxInAnyWindow(grants, 100)).toBeLessThanOrEqual(10);
    expect(maxInAnyWindow(grants, 1020)).toBeLessThanOrEqual(100);
  });

  it('lets a priority caller take the next slot ahead of a queued bulk backlog', async () => {
    const { time, budgets } = setup(1);
    const budget = budgets[0] as SharedRateBudget;
    const order: string[] = [];
    const bulk = drive(() => budget.take(), 20, 5, [], time).then(() => order.push('bulk done'));
    await time.advance(200);
    const priority = budget
      .lane('priority')
      .take()
      .then(() => order.push('priority'));
    await time.run(Promise.all([bulk, priority]));
    expect(order).toEqual(['priority', 'bulk done']);
  });

  it('gets a priority caller in another process a slot within about a second of a backlog', async () => {
    const { time, budgets } = setup(3);
    const [a, b, c] = budgets as [SharedRateBudget, SharedRateBudget, SharedRateBudget];
    const backlog = Promise.all([
      drive(() => a.take(), 10, 200, [], time),
      drive(() => b.take(), 10, 200, [], time),
    ]);
    await time.advance(3000);
    const asked = time.now;
    let waited = Number.NaN;
    const webhook = c
      .lane('priority')
      .take()
      .then(() => {
        waited = time.now - asked;
      });
    await time.run(Promise.all([backlog, webhook]));
    expect(waited).toBeLessThan(1200);
  });

  it('falls back to its local share when the timeline fails, and returns to it later', async () => {
    const { time, store, budgets } = setup(1, { retrySharedAfterMs: 2000 });
    const budget = budgets[0] as SharedRateBudget;
    store.failure = new Error('table unreachable');
    const grants: number[] = [];
    const taking = drive(() => budget.take(), 5, 40, grants, time);
    await time.advance(1000);
    expect(budget.currentRate()).toBe(25);
    store.failure = undefined;
    await time.run(taking);
    const stats = budget.stats();
    expect(stats.fallbacks).toBe(1);
    expect(stats.fallbackGrants).toBeGreaterThan(0);
    expect(stats.fallbackGrants).toBeLessThan(200);
    expect(budget.currentRate()).toBeCloseTo(96.15, 1);
    // While cut off it used at most its quarter of the quota.
    const fallbackSpan = grants.slice(0, stats.fallbackGrants);
    expect(maxInAnyWindow(fallbackSpan, 1000)).toBeLessThanOrEqual(25);
    expect(maxInAnyWindow(grants, 1020)).toBeLessThanOrEqual(100);
  });

  it('rejects an aborted take with its reason and serves the others', async () => {
    const { time, budgets } = setup(1);
    const budget = budgets[0] as SharedRateBudget;
    const controller = new AbortController();
    const grants: number[] = [];
    const others = drive(() => budget.take(), 3, 5, grants, time);
    const aborted = budget.take(controller.signal);
    controller.abort(new Error('run stopped'));
    await expect(aborted).rejects.toThrow('run stopped');
    await time.run(others);
    expect(grants).toHaveLength(15);
  });

  it('slows down on a throttle and regrows on successes', async () => {
    const { time, budgets } = setup(1);
    const budget = budgets[0] as SharedRateBudget;
    budget.onThrottled();
    expect(budget.currentRate()).toBeCloseTo(96.15 * 0.7, 1);
    await time.advance(20_000);
    budget.onSuccess();
    expect(budget.currentRate()).toBeCloseTo(96.15, 1);
  });

  it('spaces its slots wider for 10 s after an event-loop stall', async () => {
    const time = new VirtualTime();
    let stall = 0;
    const budget = new SharedRateBudget(new InMemorySlotStore(), {
      quota: 100,
      clock: time.clock,
      // A timer that fires `stall` ms late, as on a loaded event loop.
      sleep: (ms, signal) => time.sleep(ms + stall, signal),
    });
    const grants: number[] = [];
    const first = drive(() => budget.take(), 20, 2, grants, time);
    stall = 100;
    await time.advance(5);
    stall = 0;
    await time.run(first);
    expect(budget.currentRate()).toBeCloseTo((100 * 1000) / (1000 + 100 + 20), 1);
    await time.advance(10_001);
    expect(budget.currentRate()).toBeCloseTo(96.15, 1);
  });

  it('names the bad option', () => {
    const store = new InMemorySlotStore();
    expect(() => new SharedRateBudget(store, { quota: 0 })).toThrow(ValidationError);
    expect(() => new SharedRateBudget(store, { quota: 100, batchMin: 20, batchMax: 5 })).toThrow(
      /batchMax/,
    );
    expect(() => new SharedRateBudget(store, { quota: 100, fallbackShare: 2 })).toThrow(
      /fallbackShare/,
    );
  });
});
