import { describe, expect, it } from 'vitest';
import { StoreError } from '../../../src/errors.js';
import { carFailure } from '../../helpers/fake-car.js';
import { reaperHarness } from '../../helpers/reaper-harness.js';

describe('Function: createReaper (deadline, abort, auth, limit)', () => {
  it('stops at the deadline, lets calls in flight finish, and leaves nothing claimed', async () => {
    const h = reaperHarness({ latencyMs: 300 });
    h.seedIdle(1000);
    const deadline = h.time.now + 2000;
    const summary = await h.reap({ deadline });
    expect(summary.stoppedAt).toBe('deadline');
    expect(summary.destroyed).toBeGreaterThan(100);
    expect(summary.destroyed).toBeLessThan(1000);
    expect(h.car.calls.every((c) => c.at < deadline)).toBe(true);
    // Calls in flight at the deadline finished after it and were recorded.
    expect(h.time.now).toBeGreaterThanOrEqual(deadline + 1);
    expect(summary.claimed).toBe(summary.destroyed + (summary.released ?? 0));
    const counts = await h.store.counts();
    expect(counts.reaping).toBe(0);
    expect(counts.destroyed).toBe(summary.destroyed);
    expect(counts.active).toBe(1000 - summary.destroyed);
  });

  it('leases each claim until the deadline plus a margin', async () => {
    const h = reaperHarness();
    h.seedIdle(1);
    const deadline = h.time.now + 50_000;
    await h.reap({ deadline });
    expect(h.store.claims.map((c) => c.leaseExpiresAt)).toEqual([deadline + 15_000]);
  });

  it('leases a claim for a fixed time without a deadline, and honours a configured lease', async () => {
    const h = reaperHarness();
    h.seedIdle(1);
    const start = h.time.now;
    await h.reap();
    expect(h.store.claims[0]?.leaseExpiresAt).toBe(start + 60_000);

    const short = reaperHarness({ settings: { leaseMs: 2000 } });
    short.seedIdle(1);
    const shortStart = short.time.now;
    await short.reap({ deadline: shortStart + 50_000 });
    expect(short.store.claims[0]?.leaseExpiresAt).toBe(shortStart + 2000);
  });

  it('treats an abort like a deadline', async () => {
    const h = reaperHarness({ latencyMs: 100 });
    h.seedIdle(500);
    const controller = new AbortController();
    void h.time.sleep(1500).then(() => controller.abort());
    const summary = await h.reap({ signal: controller.signal });
    expect(summary.stoppedAt).toBe('aborted');
    expect(summary.destroyed).toBeGreaterThan(50);
    expect(summary.destroyed).toBeLessThan(500);
    expect((await h.store.counts()).reaping).toBe(0);
  });

  it('stops at the first auth failure: at most `concurrency` more calls, claims released, error reported', async () => {
    const h = reaperHarness({ latencyMs: 80, settings: { concurrency: 8 } });
    h.seedIdle(300);
    h.car.fallback = (_, call) =>
      call >= 40 ? carFailure('auth', 'AuthFailure.SecretIdNotFound') : 'ok';
    const summary = await h.reap();
    expect(summary.stoppedAt).toBe('auth');
    expect(summary.error).toEqual({
      code: 'AuthFailure.SecretIdNotFound',
      message: expect.any(String),
    });
    const firstAuth = h.car.calls.findIndex((c) => c.answer !== 'ok');
    expect(h.car.calls.length - (firstAuth + 1)).toBeLessThanOrEqual(8);
    expect(summary.destroyed).toBe(40);
    expect(summary.released).toBeGreaterThan(0);
    const counts = await h.store.counts();
    expect(counts).toMatchObject({ reaping: 0, destroyed: 40, failed: 0, active: 260 });
    // Released sessions are back as they were: no attempt counted against them.
    const notCalled = [...h.store.sessions.values()].filter((s) => s.state === 'active');
    expect(notCalled.every((s) => s.attempts === 0 && s.nextAttemptAt === undefined)).toBe(true);
    expect(h.logs.some((l) => l.level === 'error' && /credentials/.test(l.message))).toBe(true);
  });

  it('destroys at most `limit` sessions and says it stopped at the brake', async () => {
    const h = reaperHarness({ settings: { concurrency: 35 } });
    h.seedIdle(200);
    const summary = await h.reap({ limit: 10 });
    expect(summary).toMatchObject({ destroyed: 10, claimed: 10, stoppedAt: 'limit' });
    expect(h.car.calls).toHaveLength(10);
  });

  it('counts only won claims toward the limit', async () => {
    const h = reaperHarness();
    h.seedIdle(20);
    h.store.beforeClaim = async (userId) => {
      if (Number(userId.split('-')[1]) % 2 === 0)
        await h.store.recordActivity([userId], h.time.now);
    };
    const summary = await h.reap({ limit: 5 });
    expect(summary).toMatchObject({ destroyed: 5, stoppedAt: 'limit' });
    expect(summary.skipped).toBeGreaterThan(0);
  });

  it('does not report the brake when the candidates fit under the limit', async () => {
    const h = reaperHarness();
    h.seedIdle(8);
    const summary = await h.reap({ limit: 8 });
    expect(summary.destroyed).toBe(8);
    expect(summary.stoppedAt).toBeUndefined();
  });

  it('reads pages only as fast as it works through them (bounded buffer)', async () => {
    const h = reaperHarness({ latencyMs: 50, settings: { concurrency: 10, pageSize: 50 } });
    h.seedIdle(2000);
    let worst = 0;
    const summary = await h.reap({
      onProgress: (p) => {
        worst = Math.max(worst, h.store.pagesRead * 50 - p.processed);
      },
    });
    expect(summary.destroyed).toBe(2000);
    // Read ahead of the work: at most the sessions in hand (2 x concurrency) plus one page.
    expect(worst).toBeLessThanOrEqual(2 * 10 + 50);
  });

  it('reports progress at most every 100 ms, and once at the end', async () => {
    const h = reaperHarness();
    h.seedIdle(300);
    const seen: { at: number; processed: number }[] = [];
    await h.reap({ onProgress: (p) => seen.push({ at: h.time.now, processed: p.processed }) });
    expect(seen.length).toBeGreaterThan(10);
    for (let i = 1; i < seen.length - 1; i++) {
      expect((seen[i]?.at as number) - (seen[i - 1]?.at as number)).toBeGreaterThanOrEqual(100);
    }
    expect(seen.at(-1)?.processed).toBe(300);
  });

  it('rejects the run when the store fails, after recording the work in hand', async () => {
    const h = reaperHarness();
    h.seedIdle(5);
    const find = h.store.findCandidates.bind(h.store);
    h.store.findCandidates = async function* (options) {
      yield* find(options);
      throw new StoreError('table unreachable', { retryable: true });
    };
    await expect(h.reap()).rejects.toThrow('table unreachable');
    expect((await h.store.counts()).destroyed).toBe(5);
    expect(h.logs.some((l) => l.level === 'error' && l.message === 'reap failed')).toBe(true);
  });
});

describe('Function: createReaper (store calls)', () => {
  it('keeps claims made ahead and outcome writes in flight within storeConcurrency', async () => {
    const h = reaperHarness({ latencyMs: 5, settings: { concurrency: 40, storeConcurrency: 4 } });
    const ids = h.seedIdle(200);
    let inFlight = 0;
    let peak = 0;
    const track =
      <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        peak = Math.max(peak, ++inFlight);
        try {
          await h.time.sleep(20);
          return await call(...args);
        } finally {
          inFlight--;
        }
      };
    // A run with a limit claims ahead of its calls (other runs at their slots, within the cap).
    h.store.claim = track(h.store.claim.bind(h.store));
    h.store.recordOutcome = track(h.store.recordOutcome.bind(h.store));
    expect((await h.reap({ limit: ids.length })).destroyed).toBe(200);
    expect(peak).toBe(4);
  });
});

describe('Function: createReaper (store failures)', () => {
  it('rejects the run when a claim fails, finishing the sessions already claimed', async () => {
    const h = reaperHarness();
    h.seedIdle(50);
    const claim = h.store.claim.bind(h.store);
    h.store.claim = async (session, options) => {
      if (session.userId === 'stale-20')
        throw new StoreError('throughput exceeded', { retryable: true });
      return claim(session, options);
    };
    await expect(h.reap()).rejects.toThrow('throughput exceeded');
    const counts = await h.store.counts();
    expect(counts.reaping).toBe(0);
    expect(counts.destroyed).toBeGreaterThanOrEqual(20);
  });
});

describe('Function: createReaper (dry run, named users)', () => {
  it('dry run: claims and destroys nothing, lists what it would destroy', async () => {
    const h = reaperHarness();
    const ids = h.seedIdle(5);
    h.store.seed({ userId: 'live' });
    const summary = await h.reap({ dryRun: true });
    expect(summary).toMatchObject({ dryRun: true, candidates: 5, claimed: 0, destroyed: 0 });
    expect(summary.wouldDestroy?.sort()).toEqual(ids.sort());
    expect(h.car.calls).toHaveLength(0);
    expect((await h.store.counts()).active).toBe(6);
    // The log line counts the list (a large dry run would not fit one log event).
    const finished = h.logs.find((l) => l.message === 'reap finished');
    expect(finished?.fields).toMatchObject({ wouldDestroyCount: 5 });
    expect(finished?.fields).not.toHaveProperty('wouldDestroy');
  });

  it('dry run honours the limit', async () => {
    const h = reaperHarness();
    h.seedIdle(5);
    const summary = await h.reap({ dryRun: true, limit: 2 });
    expect(summary.wouldDestroy).toHaveLength(2);
    expect(summary.stoppedAt).toBe('limit');
  });

  it('destroys named users whatever their state, through the same recording', async () => {
    const h = reaperHarness();
    h.store.seed({ userId: 'live' });
    const summary = await h.reap({ trigger: 'manual', userIds: ['live', 'never-seen', 'live'] });
    expect(summary).toMatchObject({ candidates: 2, claimed: 2, destroyed: 2 });
    expect(h.car.calls.map((c) => c.userId).sort()).toEqual(['live', 'never-seen']);
    expect(h.store.state('live')).toBe('destroyed');
    expect(h.store.state('never-seen')).toBe('destroyed');
  });

  it('skips a named user another run holds', async () => {
    const h = reaperHarness();
    h.store.seed({
      userId: 'held',
      state: 'reaping',
      reapedBy: 'other',
      leaseExpiresAt: h.time.now + 60_000,
    });
    const summary = await h.reap({ trigger: 'manual', userIds: ['held'] });
    expect(summary).toMatchObject({ skipped: 1, destroyed: 0 });
    expect(h.car.calls).toHaveLength(0);
  });

  it('picks up a session whose lease expired (a crashed run)', async () => {
    const h = reaperHarness();
    h.store.seed({
      userId: 'orphan',
      lastActiveAt: h.time.now - 60 * 60_000,
      state: 'reaping',
      reapedBy: 'crashed',
      leaseExpiresAt: h.time.now - 1,
    });
    expect(await h.reap()).toMatchObject({ destroyed: 1 });
    expect(h.store.state('orphan')).toBe('destroyed');
  });
});
