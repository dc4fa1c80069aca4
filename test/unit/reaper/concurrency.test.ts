import { describe, expect, it } from 'vitest';
import {
  defaultConcurrency,
  LatencyTracker,
  resolveConcurrency,
} from '../../../src/reaper/concurrency.js';

describe('Function: defaultConcurrency', () => {
  it("follows Little's law: 100/s x 200 ms x 1.75 = 35 in flight", () => {
    expect(defaultConcurrency({ quotaRps: 100 })).toBe(35);
    expect(defaultConcurrency({ quotaRps: 100, expectedLatencyMs: 400 })).toBe(70);
  });

  it('stays within its bounds', () => {
    expect(defaultConcurrency({ quotaRps: 1 })).toBe(4);
    expect(defaultConcurrency({ quotaRps: 10_000 })).toBe(256);
  });

  it('is overridden by CAR_CONCURRENCY', () => {
    expect(resolveConcurrency(100, 10)).toBe(10);
    expect(resolveConcurrency(100)).toBe(35);
    expect(() => resolveConcurrency(100, 0)).toThrow(/concurrency/);
  });
});

describe('Class: LatencyTracker', () => {
  it('suggests more concurrency when calls are slower than expected', () => {
    const tracker = new LatencyTracker(100);
    for (let i = 0; i < 50; i++) tracker.observe(600);
    expect(tracker.suggest()).toBe(105);
    expect(tracker.meanLatencyMs()).toBeCloseTo(600);
  });
});
