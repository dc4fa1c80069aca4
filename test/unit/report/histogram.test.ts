import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bucketLowerMs,
  bucketOf,
  bucketUpperMs,
  LAST_BUCKET,
  minimumMs,
  percentileMs,
} from '../../../src/report/histogram.js';

describe('Function: bucketOf', () => {
  it('puts every duration in a bucket whose bounds hold it, at most 19% wide', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1001, max: 500_000_000 }), (ms) => {
        const bucket = bucketOf(ms);
        expect(bucket).toBeLessThan(LAST_BUCKET);
        expect(ms).toBeGreaterThan(bucketLowerMs(bucket) - 1);
        expect(ms).toBeLessThanOrEqual(bucketUpperMs(bucket) + 1);
        expect(bucketUpperMs(bucket) / bucketLowerMs(bucket)).toBeLessThan(1.2);
      }),
    );
  });

  it('puts up to a second in bucket 0, and very long durations in the last', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(1000)).toBe(0);
    expect(bucketOf(2000)).toBe(4);
    expect(bucketOf(10 ** 12)).toBe(LAST_BUCKET);
  });
});

describe('Function: percentileMs', () => {
  it('reads the bucket holding the rank', () => {
    const histogram = { [bucketOf(12_000)]: 90, [bucketOf(60_000)]: 10 };
    expect(percentileMs(histogram, 0.5)).toBe(bucketUpperMs(bucketOf(12_000)));
    expect(percentileMs(histogram, 0.9)).toBe(bucketUpperMs(bucketOf(12_000)));
    expect(percentileMs(histogram, 0.99)).toBe(bucketUpperMs(bucketOf(60_000)));
    expect(minimumMs(histogram)).toBe(bucketLowerMs(bucketOf(12_000)));
  });

  it('has no percentile for an empty histogram', () => {
    expect(percentileMs({}, 0.5)).toBeUndefined();
    expect(minimumMs({})).toBeUndefined();
  });
});
