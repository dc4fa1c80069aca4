import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fullJitterBackoff } from '../../src/backoff.js';

describe('Function: fullJitterBackoff', () => {
  it('draws from [0, base * 2^retry)', () => {
    expect(fullJitterBackoff(0, { baseMs: 100, random: () => 0 })).toBe(0);
    expect(fullJitterBackoff(0, { baseMs: 100, random: () => 0.999 })).toBe(99);
    expect(fullJitterBackoff(3, { baseMs: 100, random: () => 0.5 })).toBe(400);
  });

  it('never exceeds the cap, even for huge retry numbers', () => {
    fc.assert(
      fc.property(fc.nat(2000), fc.double({ min: 0, max: 0.9999999, noNaN: true }), (retry, r) => {
        const delay = fullJitterBackoff(retry, { baseMs: 100, capMs: 5000, random: () => r });
        return delay >= 0 && delay < 5000 && Number.isInteger(delay);
      }),
    );
  });

  it('rejects a negative retry number', () => {
    expect(() => fullJitterBackoff(-1)).toThrow(/retry/);
  });
});
