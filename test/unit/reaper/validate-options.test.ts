import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { validateReapOptions } from '../../../src/reaper/validate-options.js';

describe('Function: validateReapOptions', () => {
  it('returns the named user ids de-duplicated, in order', () => {
    expect(validateReapOptions({ trigger: 'manual', userIds: ['b', 'a', 'b'] })).toEqual([
      'b',
      'a',
    ]);
  });

  it.each([
    ['an empty id', ''],
    ['a control character', 'user\u0000x'],
    ['the reserved prefix', '__car-reaper#budget#DestroySession'],
    ['more than 256 characters', 'x'.repeat(257)],
  ])('refuses %s, naming the element, before any work', (_case, id) => {
    const attempt = () => validateReapOptions({ trigger: 'manual', userIds: ['ok', id] });
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(/^userIds\[1\]: /);
  });

  it('names a malformed limit', () => {
    expect(() => validateReapOptions({ trigger: 'manual', limit: 1.5 })).toThrow(/^limit: /);
  });
});
