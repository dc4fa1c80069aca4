import { describe, expect, it } from 'vitest';
import { barLine, rowsOf, truncate, wrapItems } from '../../../src/local/fit-line.js';

describe('Function: truncate', () => {
  it('cuts a long text with an ellipsis and leaves a short one alone', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(truncate('abc', 0)).toBe('');
  });
});

describe('Function: wrapItems', () => {
  it('puts items on one line while they fit, then indents the rest under the first', () => {
    expect(wrapItems('state  ', ['a 1', 'b 2', 'c 3'], 17)).toEqual([
      'state  a 1  b 2',
      '       c 3',
    ]);
  });

  it('cuts an item too long for a line of its own', () => {
    expect(wrapItems('x ', ['0123456789'], 8)).toEqual(['x 01234…']);
  });
});

describe('Function: barLine', () => {
  it('gives the bar the room the text leaves, and drops it under 5 cells', () => {
    expect(barLine('d ', 0.5, '50/100', 21)).toBe('d [#####.....] 50/100');
    expect(barLine('d ', 0.5, '50/100', 14)).toBe('d 50/100');
  });
});

describe('Function: rowsOf', () => {
  it('counts the screen rows of lines that wrap', () => {
    expect(rowsOf(['', 'abc', 'abcdef'], 3)).toBe(4);
  });
});
