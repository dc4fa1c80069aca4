import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maxInAnyWindow, SlidingWindowQuota } from '../../../src/emulator/quota.js';

describe('Class: SlidingWindowQuota', () => {
  it('admits up to the limit in one instant, then refuses', () => {
    const quota = new SlidingWindowQuota(() => 3);

    const admitted = [0, 0, 0, 0, 0].map(() => quota.tryTake('a', 1000));

    expect(admitted).toEqual([true, true, true, false, false]);
  });

  it('frees room exactly windowMs after an admitted call', () => {
    const quota = new SlidingWindowQuota(() => 1);
    quota.tryTake('a', 1000);

    expect(quota.tryTake('a', 1999)).toBe(false);
    expect(quota.tryTake('a', 2000)).toBe(true);
  });

  it('keeps one window per key', () => {
    const quota = new SlidingWindowQuota(() => 1);
    quota.tryTake('DestroySession', 0);

    expect(quota.tryTake('DescribeConcurrentCount', 0)).toBe(true);
    expect(quota.tryTake('DestroySession', 0)).toBe(false);
  });

  it('never admits more than the limit in any window, for any arrival pattern', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 400 }),
        (limit, arrivals) => {
          const quota = new SlidingWindowQuota(() => limit);
          const sorted = [...arrivals].sort((a, b) => a - b);
          const admitted = sorted.filter((at) => quota.tryTake('k', at));
          expect(maxInAnyWindow(admitted, 1000)).toBeLessThanOrEqual(limit);
          // And it is not stingier than needed: the first `limit` arrivals always pass.
          expect(admitted.slice(0, limit)).toEqual(sorted.slice(0, limit));
        },
      ),
    );
  });

  it('follows a limit changed while running', () => {
    let limit = 1;
    const quota = new SlidingWindowQuota(() => limit);
    quota.tryTake('a', 0);
    limit = 2;

    expect(quota.tryTake('a', 0)).toBe(true);
  });
});

describe('Function: maxInAnyWindow', () => {
  it('counts times less than windowMs apart as one window', () => {
    expect(maxInAnyWindow([0, 999, 1000, 1999], 1000)).toBe(2);
    expect(maxInAnyWindow([0, 500, 999], 1000)).toBe(3);
  });

  it('needs no sorted input and handles nothing', () => {
    expect(maxInAnyWindow([3000, 10, 2500, 20], 1000)).toBe(2);
    expect(maxInAnyWindow([], 1000)).toBe(0);
  });

  it('agrees with a brute-force count', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 60 }), (times) => {
        const brute = Math.max(
          0,
          ...times.map((s) => times.filter((t) => t >= s && t < s + 1000).length),
        );
        expect(maxInAnyWindow(times, 1000)).toBe(brute);
      }),
    );
  });
});
