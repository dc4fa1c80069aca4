import { describe, expect, it } from 'vitest';
import { decideFault, sampleLatency, validateFaults } from '../../../src/emulator/faults.js';
import { ValidationError } from '../../../src/errors.js';

const sequence =
  (...values: number[]) =>
  () =>
    values.shift() ?? 0.5;

describe('Function: decideFault', () => {
  const faults = { hangRate: 0.1, resetRate: 0.2, errorRate: 0.3, errorCodes: ['A', 'B'] };

  it.each([
    [0.05, { kind: 'hang' }],
    [0.2, { kind: 'reset' }],
    [0.5, { kind: 'error', code: 'B' }],
    [0.7, { kind: 'none' }],
  ])('draw %f gives %j', (draw, expected) => {
    expect(decideFault(faults, 'DestroySession', 'u', sequence(draw, 0.9))).toEqual(expected);
  });

  it('gives a UserId its own error before any rate', () => {
    const decision = decideFault(
      { userErrors: { u: 'InternalError' } },
      'DestroySession',
      'u',
      () => 0,
    );

    expect(decision).toEqual({ kind: 'error', code: 'InternalError' });
  });

  it('spares actions that are not listed', () => {
    expect(
      decideFault({ hangRate: 1, actions: ['CreateSession'] }, 'DestroySession', 'u', () => 0),
    ).toEqual({
      kind: 'none',
    });
  });

  it('draws nothing when no fault is configured', () => {
    const random = () => {
      throw new Error('should not draw');
    };

    expect(decideFault({}, 'DestroySession', 'u', random)).toEqual({ kind: 'none' });
  });
});

describe('Function: decideFault (scripted failures)', () => {
  it('fails a UserId its scripted number of times, then lets its calls through', () => {
    const faults = { userFailures: { u: { code: 'InternalError', times: 2 } } };
    const served = new Map<string, number>();
    const decide = (userId: string) =>
      decideFault(faults, 'DestroySession', userId, () => 0.99, served);
    expect([decide('u'), decide('other'), decide('u'), decide('u')]).toEqual([
      { kind: 'error', code: 'InternalError' },
      { kind: 'none' },
      { kind: 'error', code: 'InternalError' },
      { kind: 'none' },
    ]);
  });

  it('refuses a script with a bad count, naming the user', () => {
    expect(() =>
      validateFaults({ userFailures: { u: { code: 'InternalError', times: -1 } } }),
    ).toThrow(/faults.userFailures.u.times/);
  });
});

describe('Function: validateFaults', () => {
  it('refuses rates summing past 1, naming faults', () => {
    expect(() => validateFaults({ hangRate: 0.6, errorRate: 0.6 })).toThrow(ValidationError);
  });

  it('refuses a negative rate naming its field', () => {
    expect(() => validateFaults({ resetRate: -0.1 })).toThrow(/faults.resetRate/);
  });
});

describe('Function: sampleLatency', () => {
  it('is 0 without latency settings', () => {
    expect(sampleLatency(undefined, () => 0.3)).toBe(0);
  });

  it('spreads uniformly over mean ± jitter', () => {
    const latency = { meanMs: 100, jitterMs: 20 };

    expect([0, 0.5, 0.999999].map((r) => Math.round(sampleLatency(latency, () => r)))).toEqual([
      80, 100, 120,
    ]);
  });

  it('follows a normal distribution with the jitter as standard deviation', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const samples = Array.from({ length: 4000 }, () =>
      sampleLatency({ meanMs: 200, jitterMs: 30, distribution: 'normal' }, random),
    );
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    const sd = Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / samples.length);

    expect(mean).toBeGreaterThan(197);
    expect(mean).toBeLessThan(203);
    expect(sd).toBeGreaterThan(28);
    expect(sd).toBeLessThan(32);
  });

  it('never goes below 0', () => {
    expect(sampleLatency({ meanMs: 5, jitterMs: 50 }, () => 0)).toBe(0);
  });
});
