import { describe, expect, it } from 'vitest';
import { SlidingWindowLimiter } from '../../../src/rate/sliding-window-limiter.js';
import type { OutcomeTally } from '../../../src/reaper/outcome-tally.js';
import { createReaper } from '../../../src/reaper/reaper.js';
import type { ReapOptions } from '../../../src/reaper/types.js';
import { type TalliedOutcome, talliedOutcomeOf } from '../../../src/report/tallied-outcome.js';
import { carFailure, FakeCar } from '../../helpers/fake-car.js';
import { FakeSessionStore } from '../../helpers/fake-store.js';
import { VirtualTime } from '../../helpers/virtual-time.js';

const MINUTE = 60_000;

/** A reaper on fakes whose tally keeps what it was told. */
function tallied() {
  const time = new VirtualTime();
  const store = new FakeSessionStore(time.clock);
  const car = new FakeCar({ clock: time.clock, sleep: time.sleep, latencyMs: 50 });
  const counted: TalliedOutcome[] = [];
  const tally: OutcomeTally = {
    count: async (recorded) => {
      const outcome = talliedOutcomeOf(recorded);
      if (outcome) counted.push(outcome);
    },
  };
  const reaper = createReaper({
    store,
    car,
    tally,
    budget: new SlidingWindowLimiter({ quota: 100, clock: time.clock, sleep: time.sleep }),
    clock: time.clock,
    sleep: time.sleep,
    random: () => 0.5,
    settings: {
      idleTimeoutMs: 5 * MINUTE,
      disconnectGraceMs: 90_000,
      maxAgeMs: 0,
      quotaRps: 100,
      maxAttempts: 1,
    },
  });
  const reap = (options: Partial<ReapOptions> = {}) =>
    time.run(reaper.reap({ trigger: 'schedule', ...options }));
  return { time, store, car, counted, reap };
}

describe('Function: createReaper (outcome counts)', () => {
  it('counts each destroy with its rule, its idle seat time and its time to reap', async () => {
    const t = tallied();
    const now = t.time.now;
    t.store.seed(
      { userId: 'idle', lastActiveAt: now - 6 * MINUTE },
      {
        userId: 'left',
        state: 'disconnected',
        lastActiveAt: now - 3 * MINUTE,
        disconnectedAt: now - 2 * MINUTE,
      },
    );
    await t.reap();
    const byUser = Object.fromEntries(t.counted.map((c) => [c.reason, c]));
    expect(t.counted).toHaveLength(2);
    expect(byUser.idle).toMatchObject({ kind: 'destroyed', alreadyGone: false });
    expect(byUser.idle?.idleSeatMs).toBeGreaterThanOrEqual(6 * MINUTE);
    expect(byUser.idle?.timeToReapMs).toBeGreaterThanOrEqual(MINUTE);
    expect(byUser.idle?.timeToReapMs).toBeLessThan(MINUTE + 1000);
    expect(byUser.disconnected?.idleSeatMs).toBeGreaterThanOrEqual(3 * MINUTE);
    expect(byUser.disconnected?.timeToReapMs).toBeGreaterThanOrEqual(30_000);
    expect(byUser.disconnected?.timeToReapMs).toBeLessThan(31_000);
  });

  it('applies the run overrides when it dates a session due', async () => {
    const t = tallied();
    t.store.seed({ userId: 'idle', lastActiveAt: t.time.now - 2 * MINUTE });
    await t.reap({ trigger: 'manual', idleTimeoutMs: MINUTE });
    expect(t.counted).toEqual([expect.objectContaining({ reason: 'idle' })]);
    expect(t.counted[0]?.timeToReapMs).toBeGreaterThanOrEqual(MINUTE);
    expect(t.counted[0]?.timeToReapMs).toBeLessThan(MINUTE + 1000);
  });

  it('counts a named destroy as manual with no time to reap, and a failure as failed', async () => {
    const t = tallied();
    t.store.seed(
      { userId: 'named', lastActiveAt: t.time.now },
      { userId: 'broken', lastActiveAt: t.time.now },
    );
    t.car.script('broken', carFailure('terminal'));
    await t.reap({ trigger: 'manual', userIds: ['named', 'broken'] });
    expect(t.counted).toHaveLength(2);
    expect(t.counted.find((c) => c.kind === 'destroyed')).toMatchObject({ reason: 'manual' });
    expect(t.counted.find((c) => c.kind === 'destroyed')).not.toHaveProperty('timeToReapMs');
    expect(t.counted.find((c) => c.kind === 'failed')).toMatchObject({ reason: 'manual' });
  });

  it('does not count a retry: the session is still due', async () => {
    const t = tallied();
    t.store.seed({ userId: 'flaky', lastActiveAt: t.time.now - 6 * MINUTE });
    t.car.script(
      'flaky',
      carFailure('throttled'),
      carFailure('throttled'),
      carFailure('throttled'),
    );
    const summary = await t.reap({ deadline: t.time.now + 100 });
    expect(summary.calls).toBeGreaterThan(0);
    expect(summary.destroyed).toBe(0);
    expect(t.counted).toEqual([]);
  });
});
