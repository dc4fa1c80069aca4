import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../src/reaper/circuit-breaker.js';

const setup = () => {
  let now = 0;
  const breaker = new CircuitBreaker({ clock: () => now, windowSize: 10, minCalls: 4 });
  return { breaker, at: (ms: number) => (now = ms) };
};

const call = (breaker: CircuitBreaker, health: 'success' | 'failure' | 'neutral') => {
  const permit = breaker.acquire();
  if (!permit) throw new Error('held back');
  permit.done(health);
  return permit;
};

describe('Class: CircuitBreaker', () => {
  it('stays closed while most calls succeed, and ignores neutral answers', () => {
    const { breaker } = setup();
    for (const health of ['success', 'failure', 'success', 'success', 'failure'] as const) {
      call(breaker, health);
    }
    for (let i = 0; i < 20; i++) call(breaker, 'neutral');
    expect(breaker.isOpen()).toBe(false);
    expect(breaker.opened).toBe(0);
  });

  it('opens when half the recent calls failed, then lets one probe through after the open period', () => {
    const { breaker, at } = setup();
    for (let i = 0; i < 4; i++) call(breaker, 'failure');
    expect(breaker.isOpen()).toBe(true);
    expect(breaker.acquire()).toBeUndefined();
    expect(breaker.readyAt()).toBe(1000);
    at(1000);
    const probe = breaker.acquire();
    expect(probe?.probe).toBe(true);
    expect(breaker.acquire()).toBeUndefined();
    expect(breaker.readyAt()).toBe(1100);
    probe?.done('failure');
    expect(breaker.failedProbes).toBe(1);
    expect(breaker.readyAt()).toBe(3000);
    at(3000);
    breaker.acquire()?.done('success');
    expect(breaker.isOpen()).toBe(false);
    expect(call(breaker, 'success').probe).toBe(false);
  });

  it('lets another probe through when one ends without saying anything (neutral)', () => {
    const { breaker, at } = setup();
    for (let i = 0; i < 4; i++) call(breaker, 'failure');
    at(1000);
    breaker.acquire()?.done('neutral');
    expect(breaker.acquire()?.probe).toBe(true);
  });
});
