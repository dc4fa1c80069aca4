import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { assertTimestamp, assertUserId, assertUserIds } from '../../../src/sessions/validation.js';

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
