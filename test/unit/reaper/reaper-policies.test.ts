import { describe, expect, it } from 'vitest';
import { MINUTE, reaperHarness } from '../../helpers/reaper-harness.js';

describe('Function: createReaper (policies)', () => {
  it('destroys sessions idle past the timeout and spares the others; records each outcome', async () => {
    const h = reaperHarness();
    h.store.seed(
      { userId: 'idle', lastActiveAt: h.time.now - 5 * MINUTE - 1 },
      { userId: 'recent', lastActiveAt: h.time.now - 5 * MINUTE + 1000 },
    );
    const summary = await h.reap();
    expect(summary).toMatchObject({
      candidates: 1,
      claimed: 1,
      destroyed: 1,
      failed: 0,
      skipped: 0,
    });
    expect(h.car.calls.map((c) => c.userId)).toEqual(['idle']);
    const idle = await h.store.get('idle');
    expect(idle).toMatchObject({ state: 'destroyed', attempts: 1, reapedBy: 'test-run' });
    expect(idle?.requestId).toMatch(/^req-/);
    expect(h.store.state('recent')).toBe('active');
  });

  it('destroys a disconnected session past the grace period, not one within it', async () => {
    const h = reaperHarness();
    const now = h.time.now;
    h.store.seed(
      {
        userId: 'gone',
        state: 'disconnected',
        lastActiveAt: now - 100_000,
        disconnectedAt: now - 91_000,
      },
      {
        userId: 'back-soon',
        state: 'disconnected',
        lastActiveAt: now - 100_000,
        disconnectedAt: now - 80_000,
      },
    );
    const summary = await h.reap();
    expect(summary.destroyed).toBe(1);
    expect(h.store.state('gone')).toBe('destroyed');
    expect(h.store.state('back-soon')).toBe('disconnected');
  });

  it('caps session age only when a max age is set, per run if need be', async () => {
    const h = reaperHarness();
    h.store.seed({
      userId: 'old-but-busy',
      lastActiveAt: h.time.now,
      startedAt: h.time.now - 3 * 60 * MINUTE,
    });
    expect((await h.reap()).destroyed).toBe(0);
    const summary = await h.reap({ maxAgeMs: 2 * 60 * MINUTE });
    expect(summary.destroyed).toBe(1);
    expect(h.store.state('old-but-busy')).toBe('destroyed');
  });

  it('takes a per-run idle timeout over the configured one', async () => {
    const h = reaperHarness();
    h.seedIdle(3, 'two-minutes', 2 * MINUTE);
    expect((await h.reap()).candidates).toBe(0);
    expect((await h.reap({ idleTimeoutMs: MINUTE })).destroyed).toBe(3);
  });

  it('skips a session whose activity is recorded between find and claim', async () => {
    const h = reaperHarness();
    h.seedIdle(10);
    h.store.beforeClaim = async (userId) => {
      if (userId === 'stale-3' || userId === 'stale-7')
        await h.store.recordActivity([userId], h.time.now);
    };
    const summary = await h.reap();
    expect(summary).toMatchObject({ candidates: 10, claimed: 8, destroyed: 8, skipped: 2 });
    expect(h.car.callsFor('stale-3')).toBe(0);
    expect(h.store.state('stale-3')).toBe('active');
    expect(h.store.state('stale-7')).toBe('active');
  });

  it('returns and logs the summary', async () => {
    const h = reaperHarness();
    h.seedIdle(5);
    const summary = await h.reap({ trigger: 'manual' });
    expect(summary).toMatchObject({ trigger: 'manual', destroyed: 5, dryRun: false, calls: 5 });
    expect(summary.durationMs).toBeGreaterThan(0);
    expect(summary.achievedRps).toBeGreaterThan(0);
    const finished = h.logs.find((l) => l.message === 'reap finished');
    expect(finished?.level).toBe('debug');
    expect(finished?.fields).toMatchObject({ destroyed: 5, trigger: 'manual' });
    expect(h.logs.filter((l) => l.level !== 'debug')).toEqual([]);
  });

  it('rejects bad run options with an error naming the field', async () => {
    const h = reaperHarness();
    await expect(h.reap({ limit: -1 })).rejects.toThrow(/^limit: /);
    await expect(h.reap({ userIds: ['ok', ''] })).rejects.toThrow(/userIds\[1\]/);
    await expect(h.reap({ idleTimeoutMs: Number.NaN })).rejects.toThrow(/idleTimeoutMs/);
  });
});
