import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parsePort, parsePositiveInt, parseSeconds } from '../../../src/cli/parse-options.js';

describe('Function: parseSeconds', () => {
  it.each([
    ['0', 0],
    ['300', 300],
    [' 42 ', 42],
    ['1e3', 1000],
  ])('accepts %j as %d', (raw, expected) => {
    expect(parseSeconds(raw)).toBe(expected);
  });

  it.each(['', 'abc', '12abc', '-1', '1.5', '0x10', 'Infinity', 'NaN', '1 2'])(
    'refuses %j',
    (raw) => {
      expect(() => parseSeconds(raw)).toThrow(InvalidArgumentError);
    },
  );
});

describe('Function: parsePositiveInt', () => {
  it('refuses 0 and accepts 1', () => {
    expect(() => parsePositiveInt('0')).toThrow(/>= 1/);
    expect(parsePositiveInt('1')).toBe(1);
  });
});

describe('Function: parsePort', () => {
  it('accepts 0 (any free port) up to 65535 and nothing beyond', () => {
    expect(parsePort('0')).toBe(0);
    expect(parsePort('65535')).toBe(65535);
    expect(() => parsePort('65536')).toThrow(/port number/);
  });
});
