import { describe, expect, it } from 'vitest';
import { reaperHarness } from '../../helpers/reaper-harness.js';

describe('Function: reap (the last check and the rate slot)', () => {
  it('overlaps the check with the wait for the slot: calls leave at their slots, never before', async () => {
    const h = reaperHarness({ latencyMs: 40 });
    const ids = h.seedIdle(300);
    const checks = new Map<string, { start: number; end: number }>();
    const slots = new Map<string, number>();
    // Every check takes 20 ms of store time.
    h.store.beforeSend = async (userId) => {
      const start = h.time.now;
      await h.time.sleep(20);
      checks.set(userId, { start, end: h.time.now });
    };
    const take = h.budget.take.bind(h.budget);
    const pending: number[] = [];
    h.budget.take = async (signal, leadMs) => {
      const slot = await take(signal, leadMs);
      pending.push(slot);
      return slot;
    };
    const originalMark = h.store.markSending.bind(h.store);
    h.store.markSending = async (claim, at) => {
      slots.set(claim.userId, pending.shift() as number);
      return originalMark(claim, at);
    };

    const summary = await h.reap();

    expect(summary.destroyed).toBe(ids.length);
    const calls = h.car.calls.map((c) => ({ ...c, slot: slots.get(c.userId) as number }));
    // Never before the slot the budget counted.
    expect(calls.every((c) => c.at >= c.slot)).toBe(true);
    // The first calls in flight waited before any check was seen (lead 0) and leave 20 ms
    // late; from then on the 20 ms check is done by the slot (timers tick in whole ms).
    const later = calls.slice(50);
    expect(later.filter((c) => c.at - c.slot <= 1).length).toBe(later.length);
    // And the window from the check to the call stays within the lead (at most 50 ms).
    const windows = calls.map((c) => c.at - (checks.get(c.userId)?.start ?? Number.NaN));
    expect(Math.max(...windows)).toBeLessThanOrEqual(50);
  });
});
