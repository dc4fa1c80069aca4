import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import {
  assertNotFarFuture,
  assertTimestamp,
  assertUserId,
  assertUserIds,
} from '../../../src/sessions/validation.js';

const fieldOf = (run: () => void): string => {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.field;
    throw error;
  }
  return 'accepted';
};

describe('Function: assertUserId', () => {
  it('accepts ordinary ids up to 256 characters', () => {
    expect(fieldOf(() => assertUserId('user-42'))).toBe('accepted');
    expect(fieldOf(() => assertUserId('ü'.repeat(256)))).toBe('accepted');
  });

  it.each([[''], ['x'.repeat(257)], ['tab\there'], ['\u007f'], [null], [7], ['__car-reaper#rate']])(
    'refuses %j',
    (bad) => {
      expect(fieldOf(() => assertUserId(bad))).toBe('userId');
    },
  );
});

describe('Function: assertUserIds', () => {
  it('names the offending element', () => {
    expect(fieldOf(() => assertUserIds(['a', 'b', '']))).toBe('userIds[2]');
    expect(fieldOf(() => assertUserIds('a'))).toBe('userIds');
  });
});

describe('Function: assertTimestamp', () => {
  it.each([[Number.NaN], [Number.POSITIVE_INFINITY], ['5'], [-1]])('refuses %j', (bad) => {
    expect(fieldOf(() => assertTimestamp(bad, 'at'))).toBe('at');
  });
});

describe('Function: assertNotFarFuture', () => {
  const now = 1_750_000_000_000;
  it('accepts the past, now, and up to 5 minutes ahead', () => {
    for (const at of [0, now - 1, now, now + 300_000]) {
      expect(fieldOf(() => assertNotFarFuture(at, 'at', now))).toBe('accepted');
    }
  });

  it('refuses more than 5 minutes ahead, microseconds given for milliseconds included', () => {
    expect(() => assertNotFarFuture(now + 300_001, 'at', now)).toThrow(
      'at: must not be more than 5 minutes in the future',
    );
    expect(fieldOf(() => assertNotFarFuture(now * 1000, 'at', now))).toBe('at');
    expect(fieldOf(() => assertNotFarFuture(Number.NaN, 'at', now))).toBe('at');
  });
});
