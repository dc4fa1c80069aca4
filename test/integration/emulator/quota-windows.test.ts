import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { maxInAnyWindow } from '../../../src/emulator/index.js';
import { type CarTestStack, startCarTestStack } from '../../helpers/car.js';

const stack: CarTestStack = await startCarTestStack();
afterAll(() => stack.stop());
beforeEach(() => stack.emulator.reset());

/** Freezes the emulator's clock (the SDK still signs with real time, well within 300 s). */
const frozenClock = () => {
  const clock = { now: Date.now() };
  stack.emulator.configure({ clock: () => clock.now });
  return clock;
};

const burst = <R>(count: number, call: (i: number) => Promise<R>) =>
  Promise.all(Array.from({ length: count }, (_, i) => call(i)));

describe('Emulator: quota over any sliding second', () => {
  it('a burst of 300 DestroySession in one instant lets exactly 100 through', async () => {
    frozenClock();

    const results = await burst(300, (i) => stack.car.destroySession(`user-${i}`));

    const codes = results.map((r) => (r.ok ? 'ok' : r.error.code));
    expect(codes.filter((c) => c === 'ok')).toHaveLength(100);
    expect(codes.filter((c) => c === 'RequestLimitExceeded')).toHaveLength(200);
  });

  it('a burst of 300 on the real clock: the first second admits exactly min(100, arrivals)', async () => {
    await burst(300, (i) => stack.car.destroySession(`user-${i}`));

    const calls = stack.emulator.calls();
    const first = Math.min(...calls.map((c) => c.at));
    const firstSecond = calls.filter((c) => c.at - first < 1000);
    const admitted = calls.filter((c) => c.outcome === 'ok');
    expect(calls).toHaveLength(300);
    expect(firstSecond.filter((c) => c.outcome === 'ok')).toHaveLength(
      Math.min(100, firstSecond.length),
    );
    expect(
      maxInAnyWindow(
        admitted.map((c) => c.at),
        1000,
      ),
    ).toBeLessThanOrEqual(100);
    expect(
      calls.filter((c) => c.outcome === 'error').every((c) => c.code === 'RequestLimitExceeded'),
    ).toBe(true);
  });

  it('DescribeConcurrentCount has its own quota of 20 per second', async () => {
    frozenClock();

    const counts = await burst(50, () => stack.car.describeConcurrentCount());
    const destroy = await stack.car.destroySession('still-allowed');

    expect(counts.filter((r) => r.ok)).toHaveLength(20);
    expect(destroy.ok).toBe(true);
  });

  it('the window slides: room comes back 1000 ms after the admitted calls, not at a second boundary', async () => {
    const clock = frozenClock();
    stack.emulator.configure({ rate: { DestroySession: 5 } });
    const start = clock.now;

    await burst(5, (i) => stack.car.destroySession(`a-${i}`));
    clock.now = start + 999;
    const tooEarly = await stack.car.destroySession('b');
    clock.now = start + 1000;
    const onTime = await burst(6, (i) => stack.car.destroySession(`c-${i}`));

    expect(tooEarly.ok).toBe(false);
    expect(onTime.filter((r) => r.ok)).toHaveLength(5);
  });

  it('rejected calls do not use up quota', async () => {
    const clock = frozenClock();
    stack.emulator.configure({ rate: { DestroySession: 2 } });
    const start = clock.now;

    await burst(2, (i) => stack.car.destroySession(`a-${i}`));
    clock.now = start + 500;
    await burst(10, (i) => stack.car.destroySession(`rejected-${i}`));
    clock.now = start + 1000;
    const after = await burst(2, (i) => stack.car.destroySession(`b-${i}`));

    expect(after.every((r) => r.ok)).toBe(true);
  });

  it('a number for rate sets CreateSession and DestroySession and keeps DescribeConcurrentCount at 20', async () => {
    frozenClock();
    stack.emulator.configure({ rate: 3 });

    const destroys = await burst(5, (i) => stack.car.destroySession(`d-${i}`));
    const creates = await burst(5, (i) => stack.car.createSession(`c-${i}`, '198.51.100.1'));
    const counts = await burst(25, () => stack.car.describeConcurrentCount());

    expect([destroys, creates, counts].map((rs) => rs.filter((r) => r.ok).length)).toEqual([
      3, 3, 20,
    ]);
  });
});
