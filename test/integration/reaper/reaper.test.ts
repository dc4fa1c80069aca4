import { afterEach, describe, expect, it } from 'vitest';
import type { ReapSummary } from '../../../src/reaper/types.js';
import type { SessionStore } from '../../../src/sessions/session-store.js';
import { type ReaperStack, startReaperStack } from './reaper-stack.js';

let stack: ReaperStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const destroyCalls = (s: ReaperStack) =>
  s.emulator.calls().filter((c) => c.action === 'DestroySession');

describe('Reaper on DynamoDB Local and the CAR emulator', () => {
  it('destroys exactly the stale half of 2,000 sessions and records every outcome', async () => {
    stack = await startReaperStack({ rate: 5000 });
    const ids = await stack.seedStale(2000, 'user');
    const revived = ids.filter((_, i) => i % 2 === 0);
    const stale = new Set(ids.filter((_, i) => i % 2 === 1));
    await stack.table.store.recordActivity(revived, Date.now());

    const runtime = stack.runtime({}, { CAR_QUOTA_RPS: '5000', CAR_CONCURRENCY: '32' });
    const summary = await runtime.reaper.reap({ trigger: 'schedule' });

    expect(summary).toMatchObject({
      candidates: 1000,
      claimed: 1000,
      destroyed: 1000,
      failed: 0,
      skipped: 0,
    });
    expect(await stack.table.store.counts()).toMatchObject({
      active: 1000,
      destroyed: 1000,
      reaping: 0,
    });
    const called = destroyCalls(stack).map((c) => c.userId as string);
    expect(called).toHaveLength(1000);
    expect(called.every((id) => stale.has(id))).toBe(true);
    expect(stack.emulator.liveSessions().sort()).toEqual([...revived].sort());
    const sample = await stack.table.store.get('user-1');
    expect(sample).toMatchObject({ state: 'destroyed', attempts: 1 });
    expect(sample?.requestId).toBeTruthy();
  });

  it('spares a session whose activity is recorded between find and claim', async () => {
    stack = await startReaperStack({ rate: 5000 });
    const ids = await stack.seedStale(100);
    const returning = new Set(ids.slice(0, 10));
    const real = stack.table.store;
    // The store as the engine sees it, with activity arriving just before each of ten claims.
    const racing: SessionStore = Object.assign(Object.create(real) as SessionStore, {
      claim: async (...args: Parameters<SessionStore['claim']>) => {
        if (returning.has(args[0].userId)) await real.recordActivity([args[0].userId], Date.now());
        return real.claim(...args);
      },
    });
    const runtime = stack.runtime({ store: racing }, { CAR_QUOTA_RPS: '5000' });
    const summary = await runtime.reaper.reap({ trigger: 'schedule' });

    expect(summary).toMatchObject({ candidates: 100, destroyed: 90, skipped: 10 });
    for (const id of returning) expect((await real.get(id))?.state).toBe('active');
    expect(stack.emulator.liveSessions().sort()).toEqual([...returning].sort());
  });

  it('with 20% retryable faults, destroys every stale session within a few runs', async () => {
    stack = await startReaperStack({
      rate: 5000,
      faults: {
        errorRate: 0.2,
        errorCodes: ['InternalError', 'FailedOperation'],
        actions: ['DestroySession'],
      },
    });
    const ids = await stack.seedStale(200);
    // Each run is "a minute later" (no real waiting). A short lease (1.5 s) leaves each claim
    // about 0.75 s of in-run retries: the rest are recorded as retries for the next run.
    let offset = 0;
    const runtime = stack.runtime(
      { clock: () => Date.now() + offset, reaper: { maxAttempts: 10, leaseMs: 1500 } },
      { CAR_QUOTA_RPS: '5000', CAR_CONCURRENCY: '32' },
    );
    const runs: ReapSummary[] = [];
    for (let run = 0; run < 6; run++) {
      runs.push(await runtime.reaper.reap({ trigger: 'schedule' }));
      if ((await stack.table.store.counts()).destroyed === ids.length) break;
      offset += 60_000;
    }
    expect(await stack.table.store.counts()).toMatchObject({
      destroyed: 200,
      failed: 0,
      reaping: 0,
    });
    expect(stack.emulator.liveSessions()).toEqual([]);
    const errors = destroyCalls(stack).filter((c) => c.outcome === 'error').length;
    expect(errors).toBeGreaterThan(20);
    expect(runs.reduce((sum, r) => sum + r.destroyed, 0)).toBe(200);
  });
});
