/**
 * Log-scale histograms of durations, kept as counts per bucket so that they
 * add up across outcomes and hours with DynamoDB's atomic ADD. Bucket 0 holds
 * durations up to 1 s; bucket k holds (2^((k-1)/4) s, 2^(k/4) s], so a
 * percentile read back is at most 19% above the true value.
 */

/** Buckets per doubling. */
const STEPS_PER_DOUBLING = 4;
/** Last bucket: 2^(80/4) s, about 12 days; longer durations land in it. */
export const LAST_BUCKET = 80;

/** Counts per bucket index (absent buckets are empty). */
export type Histogram = Record<number, number>;

/** The bucket of a duration in ms. */
export function bucketOf(ms: number): number {
  if (!(ms > 1000)) return 0;
  const bucket = Math.ceil(STEPS_PER_DOUBLING * Math.log2(ms / 1000) - 1e-9);
  return Math.min(LAST_BUCKET, bucket);
}

/** Upper bound of a bucket, in ms. */
export const bucketUpperMs = (bucket: number): number =>
  Math.round(1000 * 2 ** (bucket / STEPS_PER_DOUBLING));

/** Lower bound of a bucket, in ms (0 for the first). */
export const bucketLowerMs = (bucket: number): number =>
  bucket === 0 ? 0 : bucketUpperMs(bucket - 1);

/** Adds `from` into `into`. */
export function mergeHistogram(into: Histogram, from: Histogram): Histogram {
  for (const [bucket, count] of Object.entries(from)) {
    into[Number(bucket)] = (into[Number(bucket)] ?? 0) + count;
  }
  return into;
}

export const histogramTotal = (histogram: Histogram): number =>
  Object.values(histogram).reduce((sum, count) => sum + count, 0);

/**
 * The upper bound (ms) of the bucket holding the `p`-th percentile (0 < p <= 1),
 * or undefined for an empty histogram.
 */
export function percentileMs(histogram: Histogram, p: number): number | undefined {
  const total = histogramTotal(histogram);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const bucket of Object.keys(histogram)
    .map(Number)
    .sort((a, b) => a - b)) {
    seen += histogram[bucket] ?? 0;
    if (seen >= rank) return bucketUpperMs(bucket);
  }
  return undefined;
}

/** The lower bound (ms) of the lowest non-empty bucket, or undefined. */
export function minimumMs(histogram: Histogram): number | undefined {
  const buckets = Object.entries(histogram)
    .filter(([, count]) => count > 0)
    .map(([bucket]) => Number(bucket));
  return buckets.length === 0 ? undefined : bucketLowerMs(Math.min(...buckets));
}
