import { describe, expect, it } from 'vitest';
import { planDemo } from '../../../src/local/demo-plan.js';

const now = 1_800_000_000_000;
const idleTimeoutMs = 30_000;
const disconnectGraceMs = 10_000;

describe('Function: planDemo', () => {
  const plan = planDemo({ sessions: 2000, now, idleTimeoutMs, disconnectGraceMs });

  it('splits the users 20/30/15/35 without overlap', () => {
    expect(plan.staleNow).toHaveLength(400);
    expect(plan.goingStale).toHaveLength(600);
    expect(plan.disconnected).toHaveLength(300);
    expect(plan.active).toHaveLength(700);
    const all = [
      ...plan.staleNow.map((s) => s.userId),
      ...plan.goingStale.map((s) => s.userId),
      ...plan.disconnected.map((s) => s.userId),
      ...plan.active,
    ];
    expect(new Set(all).size).toBe(2000);
  });

  it('makes the stale-now users idle past the timeout, and the going-stale ones not yet', () => {
    for (const { lastActiveAt } of plan.staleNow)
      expect(now - lastActiveAt).toBeGreaterThan(idleTimeoutMs);
    for (const { lastActiveAt } of plan.goingStale) {
      expect(now - lastActiveAt).toBeGreaterThanOrEqual(0);
      expect(now - lastActiveAt).toBeLessThan(idleTimeoutMs);
    }
  });

  it('puts disconnects within two grace periods, so some are due now and some later', () => {
    const ages = plan.disconnected.map(({ at }) => now - at);
    expect(Math.max(...ages)).toBeLessThan(2 * disconnectGraceMs);
    expect(ages.some((age) => age > disconnectGraceMs)).toBe(true);
    expect(ages.some((age) => age < disconnectGraceMs)).toBe(true);
  });

  it('is deterministic for a given random source', () => {
    const random = () => 0.5;
    const a = planDemo({ sessions: 10, now, idleTimeoutMs, disconnectGraceMs, random });
    const b = planDemo({ sessions: 10, now, idleTimeoutMs, disconnectGraceMs, random });
    expect(a).toEqual(b);
  });
});
