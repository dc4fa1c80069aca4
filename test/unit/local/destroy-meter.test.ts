import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../../../src/emulator/index.js';
import { SlidingWindowQuota } from '../../../src/emulator/quota.js';
import { countDestroys } from '../../../src/local/destroy-meter.js';

const call = (at: number, outcome: CallRecord['outcome'] = 'ok', code?: string): CallRecord => ({
  at,
  action: 'DestroySession',
  outcome,
  requestId: `r-${at}`,
  ...(code ? { code } : {}),
});

describe('Function: countDestroys', () => {
  it('counts the destroys CAR admitted in (now - 1000, now], as its quota does', () => {
    const calls = [call(999), call(1000), call(1500), call(2000), call(2001)];
    expect(countDestroys(calls, 2000).lastSecond).toBe(2);
  });

  it('leaves out other actions and refused calls, and counts throttles since start', () => {
    const calls = [
      call(1900),
      { ...call(1950), action: 'DescribeConcurrentCount' },
      call(1960, 'error', 'RequestLimitExceeded'),
      call(100, 'error', 'RequestLimitExceeded.UinLimitExceeded'),
      call(1970, 'error', 'ResourceNotFound.SessionNotFound'),
    ];
    expect(countDestroys(calls, 2000)).toEqual({ lastSecond: 1, throttled: 2 });
  });

  it('never shows more than the quota when CAR admitted no more than the quota', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 600 }),
        fc.integer({ min: 0, max: 6000 }),
        (arrivals, now) => {
          const quota = new SlidingWindowQuota(() => 100);
          const calls = [...arrivals]
            .sort((a, b) => a - b)
            .map((at) =>
              quota.tryTake('DestroySession', at)
                ? call(at)
                : call(at, 'error', 'RequestLimitExceeded'),
            );
          expect(countDestroys(calls, now).lastSecond).toBeLessThanOrEqual(100);
        },
      ),
    );
  });
});
