import { describe, expect, it } from 'vitest';
import { MAX_CHECK_TO_SEND_MS } from '../../../src/reaper/destroy-claimed.js';
import { carFailure } from '../../helpers/fake-car.js';
import { MINUTE, maxInAnyWindow, reaperHarness } from '../../helpers/reaper-harness.js';

describe('Function: createReaper (outcomes that match CAR)', () => {
  it.each(['ResourceNotFound.SessionNotFound', 'UnsupportedOperation.Stopping'])(
    'records %s as destroyed, already gone, with its RequestId',
    async (code) => {
      const h = reaperHarness();
      h.seedIdle(2);
      h.car.script('stale-0', carFailure('gone', code));
      const summary = await h.reap();
      expect(summary).toMatchObject({ destroyed: 2, alreadyGone: 1, failed: 0, calls: 2 });
      expect(await h.store.get('stale-0')).toMatchObject({
        state: 'destroyed',
        alreadyGone: true,
        requestId: 'fake-req',
      });
      expect((await h.store.get('stale-1'))?.alreadyGone).toBeUndefined();
    },
  );

  it('tries a busy user (FailedOperation.SlowDown) again within a second, in the same run', async () => {
    const h = reaperHarness({ latencyMs: 10 });
    h.seedIdle(1);
    h.car.script('stale-0', carFailure('busy'), 'ok');
    expect(await h.reap()).toMatchObject({ destroyed: 1, calls: 2 });
    const [first, second] = h.car.calls.map((c) => c.at) as [number, number];
    expect(second - first).toBeLessThan(1000 + 10 + 25);
  });

  it('records the due reason on the claim and keeps it through a retry', async () => {
    const h = reaperHarness({ settings: { maxAttempts: 1, retryMaxDelayMs: 1000 } });
    h.seedIdle(1, 'idle');
    h.store.seed({
      userId: 'gone-away',
      state: 'disconnected',
      lastActiveAt: h.time.now - 3 * MINUTE,
      disconnectedAt: h.time.now - 3 * MINUTE,
    });
    h.car.script('gone-away', carFailure('retryable'));
    await h.reap();
    expect(await h.store.get('idle-0')).toMatchObject({ state: 'destroyed', reason: 'idle' });
    expect(await h.store.get('gone-away')).toMatchObject({
      state: 'disconnected',
      reason: 'disconnected',
    });
    await h.time.advance(1000);
    await h.reap();
    expect(await h.store.get('gone-away')).toMatchObject({
      state: 'destroyed',
      reason: 'disconnected',
    });
    await h.reap({ userIds: ['named'] });
    expect((await h.store.get('named'))?.reason).toBe('manual');
  });
});

describe('Function: createReaper (the last check before the send)', () => {
  it('claims a found session at its rate slot: activity recorded while it waited for the slot loses the claim, nothing is sent', async () => {
    const h = reaperHarness();
    h.seedIdle(3);
    let backAt = 0;
    h.store.beforeClaim = async (userId) => {
      if (userId !== 'stale-1') return;
      backAt = h.time.now;
      await h.store.recordActivity([userId], backAt);
    };
    const summary = await h.reap();
    expect(summary).toMatchObject({ destroyed: 2, skipped: 1, claimed: 2, calls: 2 });
    expect(h.car.callsFor('stale-1')).toBe(0);
    expect(await h.store.get('stale-1')).toMatchObject({ state: 'active', lastActiveAt: backAt });
    // One write per first call: the claim says the call is going out.
    expect(h.store.sendChecks).toHaveLength(0);
    expect((await h.store.get('stale-0'))?.state).toBe('destroyed');
  });

  it('hands the rate slot of a lost claim on to the next session found, so lost claims cost no quota', async () => {
    const h = reaperHarness({ settings: { concurrency: 1 } });
    h.seedIdle(4);
    h.store.beforeClaim = async (userId) => {
      if (userId === 'stale-0' || userId === 'stale-1')
        await h.store.recordActivity([userId], h.time.now);
    };
    const summary = await h.reap();
    expect(summary).toMatchObject({
      destroyed: 2,
      skipped: 2,
      claimed: 2,
      calls: 2,
      candidates: 4,
    });
    expect(h.slotsTakenAt).toHaveLength(2);
    expect(h.car.callsFor('stale-0') + h.car.callsFor('stale-1')).toBe(0);
  });

  it('sends nothing for a user whose activity was recorded between a failed call and its retry, and releases the session', async () => {
    const h = reaperHarness();
    h.seedIdle(3);
    h.car.script('stale-1', carFailure('retryable'), 'ok');
    let backAt = 0;
    h.store.beforeSend = async (userId) => {
      if (userId !== 'stale-1') return;
      backAt = h.time.now;
      await h.store.recordActivity([userId], backAt);
    };
    const summary = await h.reap();
    expect(summary).toMatchObject({ destroyed: 2, skipped: 1, returned: 1, calls: 3 });
    expect(h.car.callsFor('stale-1')).toBe(1);
    expect(await h.store.get('stale-1')).toMatchObject({ state: 'active', lastActiveAt: backAt });
  });

  it('makes one check per call (the claim for the first, markSending for a retry) and reports the check-to-send times', async () => {
    const h = reaperHarness();
    h.seedIdle(4);
    h.car.script('stale-0', carFailure('retryable'), 'ok');
    const summary = await h.reap();
    expect(h.store.claims).toHaveLength(4);
    expect(h.store.sendChecks.map((c) => c.status)).toEqual(['clear']);
    expect(summary.claimToSendMs).toMatchObject({ count: 5, p50: 0, max: 0 });
  });

  it('gives up its rate slot and checks again when the claim is too slow to send on', async () => {
    const h = reaperHarness();
    h.seedIdle(1);
    let slow = true;
    h.store.beforeClaim = async () => {
      if (slow) await h.time.sleep(1200);
      slow = false;
    };
    const summary = await h.reap();
    expect(summary).toMatchObject({ destroyed: 1, calls: 1, lateChecks: 1 });
    expect(h.store.claims).toHaveLength(1);
    expect(h.store.sendChecks.map((c) => c.status)).toEqual(['clear']);
  });

  it('checks again on the same rate slot when the claim answered too slowly to send on', async () => {
    const h = reaperHarness();
    h.seedIdle(1);
    h.store.afterClaim = () => h.time.sleep(MAX_CHECK_TO_SEND_MS + 30);
    const summary = await h.reap();
    expect(summary).toMatchObject({ destroyed: 1, calls: 1, lateChecks: 1 });
    expect(h.store.sendChecks.map((c) => c.status)).toEqual(['clear']);
    expect(h.slotsTakenAt).toHaveLength(1);
    expect(summary.claimToSendMs.max).toBeLessThanOrEqual(MAX_CHECK_TO_SEND_MS);
  });

  it('still destroys when every claim and check is slow: one check again, then the call goes', async () => {
    const h = reaperHarness();
    h.seedIdle(3);
    h.store.afterClaim = () => h.time.sleep(200);
    h.store.afterCheck = () => h.time.sleep(200);
    const summary = await h.reap();
    expect(summary).toMatchObject({ destroyed: 3, calls: 3, lateChecks: 3 });
    expect(h.store.sendChecks.map((c) => c.status)).toEqual(['clear', 'clear', 'clear']);
  });

  it('counts each call when it leaves: claims of uneven speed keep CAR within the quota at the full rate', async () => {
    const h = reaperHarness({ serverQuota: 100, latencyMs: 5 });
    h.seedIdle(2000);
    // A seeded draw: 9 claims in 10 answer within 10 ms, the others in 30-70 ms.
    let x = 1;
    const draw = () => {
      x = (1103515245 * x + 12345) % 2147483648;
      return x / 2147483648;
    };
    h.store.afterClaim = () => h.time.sleep(draw() < 0.9 ? draw() * 10 : 30 + draw() * 40);
    const summary = await h.reap();
    const arrivals = h.car.calls.map((call) => call.at);
    expect(summary).toMatchObject({ destroyed: 2000, throttled: 0, lateChecks: 0 });
    expect(maxInAnyWindow(arrivals, 1000)).toBeLessThanOrEqual(100);
    // Late calls are counted where they are, so the spacing is not widened for them.
    const seconds = ((arrivals.at(-1) as number) - (arrivals[0] as number)) / 1000;
    expect(2000 / seconds).toBeGreaterThan(95);
  });

  it('sends nothing for a user back while a slow claim was on its way back', async () => {
    const h = reaperHarness();
    h.seedIdle(1);
    let backAt = 0;
    h.store.afterClaim = async (userId) => {
      await h.time.sleep(MAX_CHECK_TO_SEND_MS / 2);
      backAt = h.time.now;
      await h.store.recordActivity([userId], backAt);
      await h.time.sleep(MAX_CHECK_TO_SEND_MS);
    };
    const summary = await h.reap();
    expect(summary).toMatchObject({ destroyed: 0, returned: 1, calls: 0, lateChecks: 1 });
    expect(h.car.callsFor('stale-0')).toBe(0);
    expect(await h.store.get('stale-0')).toMatchObject({ state: 'active', lastActiveAt: backAt });
  });
});

describe('Function: createReaper (a CAR outage)', () => {
  it('backs off as a whole: few calls, no session failed, the run stops and later runs finish', async () => {
    const h = reaperHarness({ latencyMs: 1000, settings: { retryMaxDelayMs: 2000 } });
    h.seedIdle(200);
    let down = true;
    h.car.fallback = () => (down ? carFailure('retryable', 'Timeout') : 'ok');
    const during = await h.reap({ deadline: h.time.now + 50_000 });
    expect(during).toMatchObject({ stoppedAt: 'outage', destroyed: 0, failed: 0 });
    expect(during.breakerOpened).toBeGreaterThanOrEqual(1);
    // The breaker opened after a first wave and then let single probes through.
    expect(during.calls).toBeLessThan(100);
    expect((await h.store.counts()).failed).toBe(0);

    down = false;
    await h.time.advance(60_000);
    const after = await h.reap();
    expect(after).toMatchObject({ failed: 0, destroyed: 200 - 0 });
    expect(await h.store.counts()).toMatchObject({ destroyed: 200, failed: 0, reaping: 0 });
  });
});

describe('Function: createReaper (a send check the store cannot make)', () => {
  it('sends no retry, keeps the retry pending, and goes on with the other sessions', async () => {
    const h = reaperHarness();
    h.seedIdle(3);
    h.car.script('stale-1', carFailure('retryable'), 'ok');
    h.store.beforeSend = async (userId) => {
      if (userId === 'stale-1') throw new Error('DynamoDB timed out');
    };
    const summary = await h.reap();
    expect(summary).toMatchObject({ destroyed: 2, retried: 1, failedChecks: 1, calls: 3 });
    expect(h.car.callsFor('stale-1')).toBe(1);
    expect(h.store.state('stale-1')).toBe('active');
    expect((await h.store.get('stale-1'))?.nextAttemptAt).toBeGreaterThan(0);
    expect(h.logs.find((l) => l.message.startsWith('send check failed'))?.level).toBe('warn');
  });
});
