import { describe, expect, it } from 'vitest';
import { waveWidth } from '../../../src/dynamodb/candidate-finder.js';
import { allShards, SHARD_COUNT, shuffledShards } from '../../../src/sessions/shard.js';

describe('Function: shuffledShards', () => {
  it('returns every shard once, in an order set by the random source', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    const first = shuffledShards(random);
    const second = shuffledShards(random);
    expect([...first].sort((a, b) => a - b)).toEqual(allShards());
    expect([...second].sort((a, b) => a - b)).toEqual(allShards());
    expect(first).not.toEqual(allShards());
    expect(first).not.toEqual(second);
  });

  it('keeps the natural order when the source always says 0.999...', () => {
    expect(shuffledShards(() => 0.999999)).toEqual(allShards());
    expect(shuffledShards(() => 0.999999)).toHaveLength(SHARD_COUNT);
  });
});

describe('Function: waveWidth', () => {
  it('probes `concurrency` partitions while none returned items', () => {
    expect(waveWidth(0, 25, 8)).toBe(8);
  });

  it('reads about one read worth of partitions once they return items', () => {
    expect(waveWidth(25, 25, 8)).toBe(1);
    expect(waveWidth(10, 25, 8)).toBe(3);
    expect(waveWidth(1, 25, 8)).toBe(8);
  });
});
