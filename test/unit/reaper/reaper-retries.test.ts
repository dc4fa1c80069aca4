import { describe, expect, it } from 'vitest';
import { carFailure } from '../../helpers/fake-car.js';
import { maxInAnyWindow, reaperHarness } from '../../helpers/reaper-harness.js';

describe('Function: createReaper (retries and throttling)', () => {
  it('retries a transient failure in the run, after full-jitter exponential backoff', async () => {
    const h = reaperHarness({ latencyMs: 10 });
    h.seedIdle(1);
    h.car.script(
      'stale-0',
      carFailure('retryable'),
      carFailure('retryable', 'FailedOperation'),
      'ok',
    );
    const summary = await h.reap();
    expect(summary).toMatchObject({ destroyed: 1, retried: 0, failed: 0, calls: 3 });
    expect(await h.store.get('stale-0')).toMatchObject({ state: 'destroyed', attempts: 3 });
    const [first, second, third] = h.car.calls.map((c) => c.at) as [number, number, number];
    // random() = 0.5: the delays are 0.5 x 100 ms, then 0.5 x 200 ms, after the 10 ms call.
    expect(second - first).toBeGreaterThanOrEqual(10 + 50);
    expect(third - second).toBeGreaterThanOrEqual(10 + 100);
  });

  it('spends at most maxAttempts calls on a session in a run, then leaves it due for a later run (never failed)', async () => {
    const h = reaperHarness({ settings: { maxAttempts: 5 } });
    h.seedIdle(1);
    h.car.fallback = () => carFailure('retryable', 'ResourceUnavailable.AccessFailed');
    const startedAt = h.time.now;
    const summary = await h.reap();
    expect(summary).toMatchObject({ failed: 0, retried: 1, destroyed: 0, calls: 5 });
    const session = await h.store.get('stale-0');
    expect(session).toMatchObject({ state: 'active', attempts: 5 });
    expect(session?.lastError).toMatch(/^ResourceUnavailable.AccessFailed/);
    expect(session?.firstFailedAt).toBeGreaterThanOrEqual(startedAt);
    expect(session?.nextAttemptAt).toBeGreaterThanOrEqual(h.time.now - 1000);
  });

  it('counts attempts across runs and keeps the first failure time: 3 earlier attempts, 5 more calls', async () => {
    const h = reaperHarness();
    const firstFailedAt = h.time.now - 30_000;
    h.seedIdle(1, 'stale', 10 * 60_000, {
      attempts: 3,
      nextAttemptAt: 0,
      firstFailedAt,
      lastError: 'InternalError',
    });
    h.car.fallback = () => carFailure('retryable');
    expect(await h.reap()).toMatchObject({ failed: 0, retried: 1, calls: 5 });
    expect(await h.store.get('stale-0')).toMatchObject({ attempts: 8, firstFailedAt });
  });

  it('destroys a session that failed more times than maxAttempts over several runs', async () => {
    const h = reaperHarness({ settings: { maxAttempts: 5, retryMaxDelayMs: 2000 } });
    h.seedIdle(1);
    h.car.script('stale-0', ...Array.from({ length: 12 }, () => carFailure('retryable')));
    const runs = [];
    for (let run = 0; run < 6 && h.store.state('stale-0') !== 'destroyed'; run++) {
      runs.push(await h.reap());
      await h.time.advance(2000);
    }
    expect(runs.map((r) => r.calls)).toEqual([5, 5, 3]);
    expect(runs.reduce((n, r) => n + r.failed, 0)).toBe(0);
    expect(await h.store.get('stale-0')).toMatchObject({ state: 'destroyed', attempts: 13 });
  });

  it('records failed once the first failure is GIVE_UP_AFTER old, and never with 0', async () => {
    const h = reaperHarness({ settings: { giveUpAfterMs: 60_000 } });
    const old = { attempts: 9, nextAttemptAt: 0, lastError: 'InternalError' };
    h.seedIdle(1, 'late', 10 * 60_000, { ...old, firstFailedAt: h.time.now - 60_000 });
    h.seedIdle(1, 'early', 10 * 60_000, { ...old, firstFailedAt: h.time.now - 50_000 });
    h.car.fallback = () => carFailure('retryable');
    expect(await h.reap()).toMatchObject({ failed: 1, retried: 1 });
    expect(await h.store.get('late-0')).toMatchObject({ state: 'failed', attempts: 10 });
    expect(h.store.state('early-0')).toBe('active');

    const never = reaperHarness({ settings: { giveUpAfterMs: 0 } });
    never.seedIdle(1, 'old', 10 * 60_000, { ...old, firstFailedAt: 0 });
    never.car.fallback = () => carFailure('retryable');
    expect(await never.reap()).toMatchObject({ failed: 0, retried: 1 });
  });

  it('keeps unknown codes due as retries too', async () => {
    const h = reaperHarness({ settings: { maxAttempts: 2 } });
    h.seedIdle(1);
    h.car.fallback = () => ({ ...carFailure('retryable', 'SomethingNew'), unknown: true });
    expect(await h.reap()).toMatchObject({ failed: 0, retried: 1, calls: 2 });
  });

  it('fails a terminal error at once, without retrying', async () => {
    const h = reaperHarness();
    h.seedIdle(2);
    h.car.script('stale-0', carFailure('terminal', 'InvalidParameter.JsonParseError'));
    const summary = await h.reap();
    expect(summary).toMatchObject({ failed: 1, terminalFailures: 1, destroyed: 1, calls: 2 });
    expect(await h.store.get('stale-0')).toMatchObject({ state: 'failed', attempts: 1 });
  });

  it('records a retry with its next attempt time when the deadline leaves no time, and a later run finishes it', async () => {
    const h = reaperHarness({ latencyMs: 10 });
    h.seedIdle(1);
    h.car.script('stale-0', carFailure('retryable'), carFailure('retryable'));
    const first = await h.reap({ deadline: h.time.now + 40 });
    expect(first).toMatchObject({ retried: 1, destroyed: 0, calls: 1 });
    const session = await h.store.get('stale-0');
    expect(session).toMatchObject({
      state: 'active',
      attempts: 1,
      lastError: expect.stringMatching(/^InternalError/),
    });
    expect(session?.nextAttemptAt).toBeGreaterThan(h.time.now - 100);

    // Not yet due; then due again as a retry, whatever its activity says.
    await h.time.advance(1000);
    const second = await h.reap();
    expect(second).toMatchObject({ candidates: 1, destroyed: 1, calls: 2 });
    expect(await h.store.get('stale-0')).toMatchObject({ state: 'destroyed', attempts: 3 });
  });

  it('slows down on RequestLimitExceeded and still destroys every session', async () => {
    // CAR enforces 60/s while we believe the quota is 100/s (another caller shares it).
    const h = reaperHarness({ latencyMs: 20, serverQuota: 60 });
    h.seedIdle(600);
    const summary = await h.reap();
    expect(summary.throttled).toBeGreaterThan(0);
    expect(summary.destroyed).toBe(600);
    expect(summary.failed).toBe(0);
    expect(h.budget.currentRate()).toBeLessThan(100);
    // After the first throttle the limiter settles near what CAR accepts: far fewer throttles than calls.
    expect(summary.throttled).toBeLessThan(summary.destroyed / 4);
  });

  it('keeps calls within the quota in any window and within the concurrency cap', async () => {
    const h = reaperHarness({
      latencyMs: (_, call) => (call * 37) % 400,
      settings: { concurrency: 12 },
    });
    h.seedIdle(800);
    const summary = await h.reap();
    expect(summary.destroyed).toBe(800);
    expect(
      maxInAnyWindow(
        h.car.calls.map((c) => c.at),
        1000,
      ),
    ).toBeLessThanOrEqual(100);
    expect(h.car.maxInFlight).toBeLessThanOrEqual(12);
    expect(summary.concurrency).toBe(12);
  });

  it('retries a failed outcome write, and logs (never drops) one that keeps failing', async () => {
    const h = reaperHarness();
    h.seedIdle(1);
    h.store.failOutcomeWrites(2);
    expect(await h.reap()).toMatchObject({ destroyed: 1, unrecorded: 0 });
    expect(h.store.state('stale-0')).toBe('destroyed');

    const g = reaperHarness();
    g.seedIdle(1);
    g.store.failOutcomeWrites(100);
    expect(await g.reap()).toMatchObject({ destroyed: 1, unrecorded: 1 });
    const error = g.logs.find((l) => l.message === 'outcome not recorded');
    expect(error?.level).toBe('error');
    expect(error?.fields).toMatchObject({ userId: 'stale-0', outcome: { kind: 'destroyed' } });
  });
});

describe('Function: createReaper (a CarApi that throws)', () => {
  it('turns a thrown error into a retryable failure and still records an outcome', async () => {
    const h = reaperHarness({ settings: { maxAttempts: 2 } });
    h.seedIdle(1);
    h.car.destroySession = async () => {
      throw new Error('socket exploded');
    };
    expect(await h.reap()).toMatchObject({ failed: 0, retried: 1, calls: 2 });
    expect((await h.store.get('stale-0'))?.lastError).toMatch(/^ClientError: socket exploded/);
  });
});

describe('Function: createReaper (getting the CAR client ready)', () => {
  it('takes no rate token before the client is ready, and prepares it once per run', async () => {
    const h = reaperHarness({ latencyMs: 10 });
    h.seedIdle(5);
    let prepared = 0;
    let readyAt = Number.NaN;
    h.car.prepare = async () => {
      prepared++;
      await h.time.sleep(300);
      readyAt = h.time.now;
    };
    const startedAt = h.time.now;
    expect(await h.reap()).toMatchObject({ destroyed: 5, calls: 5 });
    expect(prepared).toBe(1);
    expect(readyAt).toBe(startedAt + 300);
    expect(h.slotsTakenAt).toHaveLength(5);
    expect(Math.min(...h.slotsTakenAt)).toBeGreaterThanOrEqual(readyAt);
  });

  it('goes on to the calls when getting ready fails, and records what they answer', async () => {
    const h = reaperHarness();
    h.seedIdle(1);
    h.car.prepare = () => Promise.reject(new Error('credentials provider down'));
    h.car.fallback = () => carFailure('auth', 'AuthFailure.SecretIdNotFound');
    const summary = await h.reap();
    expect(summary).toMatchObject({ destroyed: 0, calls: 1 });
    expect(summary.error).toMatchObject({ code: 'AuthFailure.SecretIdNotFound' });
    expect(await h.store.get('stale-0')).toMatchObject({ state: 'active' });
  });
});
