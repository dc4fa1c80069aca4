import { describe, expect, it } from 'vitest';
import { createRuntime } from '../../../src/dynamodb/runtime.js';
import { loadConfig } from '../../../src/load-config.js';
import { FakeCar } from '../../helpers/fake-car.js';
import { FakeSessionStore } from '../../helpers/fake-store.js';
import { VirtualTime } from '../../helpers/virtual-time.js';

describe('Function: createRuntime', () => {
  // Idle once the idle timeout (300 s) and the activity resolution (30 s by default) have passed.
  const stale = (store: FakeSessionStore, now: number) =>
    store.seed(
      { userId: 'u1', lastActiveAt: now - 331_000 },
      { userId: 'u2', lastActiveAt: now - 329_000 },
    );

  it('wires the policies from config (seconds to ms, resolution included) into the reaper', async () => {
    const time = new VirtualTime();
    const store = new FakeSessionStore(time.clock);
    const car = new FakeCar({ clock: time.clock, sleep: time.sleep });
    stale(store, time.now);
    const runtime = createRuntime(
      loadConfig({ IDLE_TIMEOUT_SECONDS: '300', CAR_QUOTA_RPS: '20' }),
      {
        store,
        car,
        clock: time.clock,
        sleep: time.sleep,
      },
    );
    const summary = await time.run(runtime.reaper.reap({ trigger: 'schedule' }));
    expect(summary.destroyed).toBe(1);
    expect(car.calls.map((c) => c.userId)).toEqual(['u1']);
    expect(runtime.budget.currentRate()).toBe(20);
    await runtime.close();
  });

  it('refuses a real reap without Tencent credentials, naming the variable, but allows a dry run', async () => {
    const store = new FakeSessionStore();
    stale(store, Date.now());
    const runtime = createRuntime(loadConfig({}), { store });
    await expect(runtime.reaper.reap({ trigger: 'manual' })).rejects.toThrow(
      /TENCENTCLOUD_SECRET_ID/,
    );
    expect(store.state('u1')).toBe('active');
    const dry = await runtime.reaper.reap({ trigger: 'manual', dryRun: true });
    expect(dry.wouldDestroy).toEqual(['u1']);
    await runtime.close();
  });
});
