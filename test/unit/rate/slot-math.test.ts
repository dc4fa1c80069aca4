import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maxInAnyWindow } from '../../../src/emulator/quota.js';
import {
  batchSlots,
  planReservation,
  safeRate,
  slotIntervalUs,
} from '../../../src/rate/slot-math.js';
import { InMemorySlotStore } from '../../../src/rate/slot-store.js';

const margins = { windowMs: 1000, jitterMarginMs: 20, lateToleranceMs: 20 };
const NOW = Date.UTC(2026, 0, 1);

describe('Function: safeRate', () => {
  it('leaves the jitter and lateness margins out of the quota: 96.15/s at 100/s', () => {
    expect(safeRate(100, margins)).toBeCloseTo(96.154, 3);
    expect(slotIntervalUs(safeRate(100, margins))).toBe(10_400);
    expect(slotIntervalUs(safeRate(1000, margins))).toBe(1040);
  });
});

describe('Function: planReservation', () => {
  const base = {
    nowMs: NOW,
    count: 10,
    intervalUs: 10_400,
    lateToleranceMs: 20,
    lookaheadMs: 1000,
  };

  it('restarts an unknown or idle timeline at now (no banked slots)', () => {
    expect(planReservation({ ...base, knownNextUs: undefined })).toEqual({
      kind: 'reset',
      floorUs: NOW * 1000 - 20_000,
      endUs: NOW * 1000 + 104_000,
    });
    const idle = planReservation({ ...base, knownNextUs: (NOW - 5000) * 1000 });
    expect(idle.kind).toBe('reset');
  });

  it('appends to a timeline that is busy within the lookahead', () => {
    const plan = planReservation({ ...base, knownNextUs: (NOW + 300) * 1000 });
    expect(plan).toEqual({
      kind: 'append',
      floorUs: NOW * 1000 - 20_000,
      ceilingUs: (NOW + 1000) * 1000,
      addUs: 104_000,
    });
  });

  it('reserves the empty time after a cold batch along with its slots', () => {
    expect(planReservation({ ...base, knownNextUs: undefined, gapUs: 50_000 })).toMatchObject({
      kind: 'reset',
      endUs: NOW * 1000 + 154_000,
    });
    expect(
      planReservation({ ...base, knownNextUs: (NOW + 300) * 1000, gapUs: 50_000 }),
    ).toMatchObject({ kind: 'append', addUs: 154_000 });
  });

  it('waits without writing while the tail is beyond the lookahead', () => {
    const plan = planReservation({ ...base, knownNextUs: (NOW + 1400) * 1000 });
    expect(plan).toEqual({ kind: 'wait', untilMs: NOW + 400 });
  });
});

describe('Function: batchSlots', () => {
  it('leaves the gap after the last slot, before the new tail', () => {
    expect(batchSlots(1_000_080_900, 3, 10_300, 50_000)).toEqual([
      1_000_000, 1_000_010.3, 1_000_020.6,
    ]);
  });

  it('lays the batch out one interval apart, ending at the new tail', () => {
    expect(batchSlots(1_000_030_900, 3, 10_300)).toEqual([1_000_000, 1_000_010.3, 1_000_020.6]);
  });
});

describe('Property: any interleaving of processes on one timeline', () => {
  it('never puts more than the quota in any widened window', async () => {
    const interval = slotIntervalUs(safeRate(100, margins));
    const step = fc.record({
      process: fc.nat(7),
      advanceMs: fc.integer({ min: 0, max: 400 }),
      count: fc.integer({ min: 1, max: 20 }),
      stale: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 120 }), async (steps) => {
        const store = new InMemorySlotStore();
        const known = new Map<number, number | undefined>();
        const slots: number[] = [];
        let now = NOW;
        for (const s of steps) {
          now += s.advanceMs;
          // A process plans from what it last saw (possibly stale), retrying on a failed condition.
          let seen = s.stale ? known.get(s.process) : store.nextUs;
          for (let attempt = 0; attempt < 5; attempt++) {
            const plan = planReservation({
              knownNextUs: seen,
              nowMs: now,
              count: s.count,
              intervalUs: interval,
              lateToleranceMs: 20,
              lookaheadMs: 3000,
            });
            if (plan.kind === 'wait') break;
            const result = await store.write(plan);
            if (result.ok) {
              slots.push(...batchSlots(result.nextUs, s.count, interval));
              seen = result.nextUs;
              break;
            }
            seen = result.currentUs;
          }
          known.set(s.process, seen);
        }
        expect(maxInAnyWindow(slots, 1040)).toBeLessThanOrEqual(100);
        // Used up to 20 ms late and arriving with up to 20 ms of jitter: still <= 100 a second.
        const arrivals = slots.map((t, i) => t + ((i * 7) % 21) + ((i * 13) % 21));
        expect(maxInAnyWindow(arrivals, 1000)).toBeLessThanOrEqual(100);
      }),
      { numRuns: 200 },
    );
  });
});
