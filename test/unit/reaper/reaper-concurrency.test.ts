import { describe, expect, it } from 'vitest';
import { reaperHarness } from '../../helpers/reaper-harness.js';

describe('Function: reap (adaptive concurrency)', () => {
  it('raises the concurrency when CAR answers slowly', async () => {
    const h = reaperHarness({ latencyMs: 2_000 });
    h.seedIdle(200);
    const summary = await h.reap();
    expect(summary.destroyed).toBe(200);
    expect(summary.concurrency).toBeGreaterThan(100);
  });

  it('does not raise it on calls CAR never answered (timeouts, broken connections)', async () => {
    const h = reaperHarness({ latencyMs: 2_000 });
    h.seedIdle(200);
    // Each call ends after 2 s with a local timeout: no RequestId, nothing heard from CAR.
    h.car.fallback = () => ({ class: 'retryable', code: 'Timeout', message: 'CAR did not answer' });
    const summary = await h.reap();
    expect(summary.destroyed).toBe(0);
    expect(summary.concurrency).toBeLessThanOrEqual(35);
  });
});
