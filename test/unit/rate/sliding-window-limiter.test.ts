import { describe, expect, it } from 'vitest';
import { maxInAnyWindow } from '../../../src/emulator/quota.js';
import { SlidingWindowLimiter } from '../../../src/rate/sliding-window-limiter.js';
import { VirtualTime } from '../../helpers/virtual-time.js';

function setup(options: { quota?: number; jitterMarginMs?: number; smooth?: boolean } = {}) {
  const time = new VirtualTime();
  const limiter = new SlidingWindowLimiter({
    quota: options.quota ?? 100,
    jitterMarginMs: options.jitterMarginMs,
    smooth: options.smooth,
    clock: time.clock,
    sleep: time.sleep,
  });
  const grants: number[] = [];
  const takeMany = (n: number) =>
    Promise.all(Array.from({ length: n }, () => limiter.take().then(() => grants.push(time.now))));
  return { time, limiter, grants, takeMany };
}

describe('Class: SlidingWindowLimiter', () => {
  it('never grants more than the quota in any window of 1 s + margin', async () => {
    const { time, grants, takeMany } = setup({ quota: 100, jitterMarginMs: 30 });
    await time.run(takeMany(1000));
    expect(grants).toHaveLength(1000);
    expect(maxInAnyWindow(grants, 1030)).toBe(100);
    // ...and so at most the quota in any 1 s window at the server, with up to 30 ms of jitter.
    const jittered = grants.map((t, i) => t + ((i * 7919) % 31)).sort((a, b) => a - b);
    expect(maxInAnyWindow(jittered, 1000)).toBeLessThanOrEqual(100);
  });

  it('holds the bound without smoothing too (bursty mode)', async () => {
    const { time, grants, takeMany } = setup({ quota: 50, smooth: false });
    await time.run(takeMany(300));
    expect(grants.filter((t) => t === grants[0])).toHaveLength(50);
    expect(maxInAnyWindow(grants, 1030)).toBe(50);
  });

  it('paces smoothly: the first second is spread, not one burst at t=0', async () => {
    const { time, grants, takeMany } = setup({ quota: 100 });
    const start = time.now;
    await time.run(takeMany(100));
    expect(grants.filter((t) => t - start < 100).length).toBeLessThanOrEqual(11);
    expect(maxInAnyWindow(grants, 50)).toBeLessThanOrEqual(6);
  });

  it('sustains nearly the whole quota: 1000 calls at 100/s take about 1000 / 97 s', async () => {
    const { time, takeMany } = setup({ quota: 100, jitterMarginMs: 30 });
    const start = time.now;
    await time.run(takeMany(1000));
    const seconds = (time.now - start) / 1000;
    expect(1000 / seconds).toBeGreaterThan(96);
    expect(1000 / seconds).toBeLessThanOrEqual(100);
  });

  it('keeps the rate when timers fire late (a busy event loop), still within the bound', async () => {
    const time = new VirtualTime();
    const lateSleep: typeof time.sleep = (ms, signal) => time.sleep(ms + 15, signal);
    const limiter = new SlidingWindowLimiter({ quota: 100, clock: time.clock, sleep: lateSleep });
    const grants: number[] = [];
    const start = time.now;
    await time.run(
      Promise.all(
        Array.from({ length: 1000 }, () => limiter.take().then(() => grants.push(time.now))),
      ),
    );
    expect(1000 / ((time.now - start) / 1000)).toBeGreaterThan(95);
    expect(maxInAnyWindow(grants, 1030)).toBeLessThanOrEqual(100);
  });

  it('widens the window by the event-loop stalls it sees, then returns to the margin', async () => {
    const time = new VirtualTime();
    // Every fifth timer fires 80 ms late (a GC pause, a busy CPU).
    let lateBy = 80;
    let sleeps = 0;
    const stallingSleep: typeof time.sleep = (ms, signal) =>
      time.sleep(ms + (sleeps++ % 5 === 0 ? lateBy : 0), signal);
    const limiter = new SlidingWindowLimiter({
      quota: 100,
      clock: time.clock,
      sleep: stallingSleep,
    });
    const grants: number[] = [];
    const takeMany = (n: number) =>
      Promise.all(
        Array.from({ length: n }, () => limiter.take().then(() => grants.push(time.now))),
      );
    await time.run(takeMany(1000));
    // Requests granted just before an 80 ms stall leave 80 ms late: the log now spans 1080 ms.
    expect(maxInAnyWindow(grants.slice(150), 1080)).toBeLessThanOrEqual(100);

    lateBy = 0;
    await time.advance(11_000);
    grants.length = 0;
    await time.run(takeMany(500));
    expect(maxInAnyWindow(grants, 1030)).toBe(100);
    expect(maxInAnyWindow(grants, 1070)).toBeGreaterThan(100); // back to the 30 ms margin
  });

  it('counts a call when it leaves: calls that leave late never put more than the quota in a window', async () => {
    const { time, limiter } = setup({ quota: 100, jitterMarginMs: 30 });
    const departures: number[] = [];
    let granted = 0;
    // The first 100 calls leave 300 ms after their grant (a slow last check), the rest at once.
    const call = async () => {
      const grant = await limiter.take();
      if (granted++ < 100) await time.sleep(300);
      departures.push(time.now);
      grant?.depart(time.now);
    };
    await time.run(Promise.all(Array.from({ length: 600 }, call)));
    expect(departures).toHaveLength(600);
    expect(
      maxInAnyWindow(
        [...departures].sort((a, b) => a - b),
        1030,
      ),
    ).toBeLessThanOrEqual(100);
  });

  it('with departures reported, late timers do not widen the window, and the calls stay within the quota', async () => {
    const rateWith = async (departuresReported: boolean) => {
      const time = new VirtualTime();
      // Every fifth timer fires 80 ms late (a GC pause, a busy CPU).
      let sleeps = 0;
      const stallingSleep: typeof time.sleep = (ms, signal) =>
        time.sleep(ms + (sleeps++ % 5 === 0 ? 80 : 0), signal);
      const limiter = new SlidingWindowLimiter({
        quota: 100,
        clock: time.clock,
        sleep: stallingSleep,
        departuresReported,
      });
      const departures: number[] = [];
      const call = async () => {
        const grant = await limiter.take();
        departures.push(time.now);
        grant?.depart(time.now);
      };
      const start = time.now;
      await time.run(Promise.all(Array.from({ length: 1000 }, call)));
      expect(maxInAnyWindow(departures, 1030)).toBeLessThanOrEqual(100);
      return 1000 / ((time.now - start) / 1000);
    };
    // 95/s against 91/s: told when calls leave, the limiter keeps its 30 ms margin.
    expect(await rateWith(true)).toBeGreaterThan(94);
    // Not told, it spaces calls by the stall instead.
    expect(await rateWith(false)).toBeLessThan(92);
  });

  it('rejects a waiter whose signal aborts, and keeps serving the others', async () => {
    const { time, limiter, grants, takeMany } = setup({ quota: 10 });
    const controller = new AbortController();
    const all = takeMany(15);
    const aborted = limiter.take(controller.signal);
    controller.abort(new Error('deadline'));
    await expect(aborted).rejects.toThrow('deadline');
    await time.run(all);
    expect(grants).toHaveLength(15);
    await expect(limiter.take(controller.signal)).rejects.toThrow('deadline');
  });

  describe('Method: onThrottled', () => {
    it('cuts the rate by 0.7x once per window, never below 10% of the quota', async () => {
      const { time, limiter } = setup({ quota: 100 });
      limiter.onThrottled();
      expect(limiter.currentRate()).toBeCloseTo(70);
      limiter.onThrottled(); // same congestion event: in-flight calls answer together
      expect(limiter.currentRate()).toBeCloseTo(70);
      for (let i = 0; i < 20; i++) {
        await time.advance(1100);
        limiter.onThrottled();
      }
      expect(limiter.currentRate()).toBe(10);
    });

    it('slows the calls actually granted', async () => {
      const { time, limiter, grants, takeMany } = setup({ quota: 100 });
      limiter.onThrottled();
      limiter.onThrottled();
      await time.run(takeMany(300));
      expect(maxInAnyWindow(grants, 1030)).toBe(70);
    });
  });

  describe('Method: onSuccess', () => {
    it('recovers the rate gradually (cubic), back to the quota within seconds', async () => {
      const { time, limiter } = setup({ quota: 100 });
      limiter.onThrottled();
      const rates: number[] = [];
      for (let i = 0; i < 12; i++) {
        await time.advance(500);
        limiter.onSuccess();
        rates.push(limiter.currentRate());
      }
      // Monotonic climb from 70, flattening near 100 (K = cbrt(100*0.3/0.4) = 4.2 s).
      for (let i = 1; i < rates.length; i++) {
        expect(rates[i]).toBeGreaterThanOrEqual(rates[i - 1] as number);
      }
      expect(rates[0]).toBeGreaterThan(70);
      expect(rates[0]).toBeLessThan(90);
      expect(rates[11]).toBe(100);
    });

    it('does not regrow without successes', async () => {
      const { time, limiter } = setup({ quota: 100 });
      limiter.onThrottled();
      await time.advance(60_000);
      expect(limiter.currentRate()).toBeCloseTo(70);
    });
  });

  it('validates its options, naming the field', () => {
    expect(() => new SlidingWindowLimiter({ quota: 0 })).toThrow(/quota/);
    expect(() => new SlidingWindowLimiter({ quota: 10, jitterMarginMs: -1 })).toThrow(
      /jitterMarginMs/,
    );
  });
});
