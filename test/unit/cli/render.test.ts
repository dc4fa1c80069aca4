import { describe, expect, it } from 'vitest';
import { ProgressBar, renderProgressLine } from '../../../src/cli/progress-bar.js';
import { renderTable } from '../../../src/cli/render-table.js';
import type { ReapProgress } from '../../../src/reaper/types.js';

const progress = (overrides: Partial<ReapProgress> = {}): ReapProgress => ({
  candidates: 1000,
  processed: 500,
  destroyed: 490,
  failed: 2,
  retried: 8,
  throttled: 0,
  skipped: 0,
  currentRps: 97.4,
  ...overrides,
});

describe('Function: renderTable', () => {
  it('left-aligns text, right-aligns and groups numbers', () => {
    expect(
      renderTable(
        ['state', 'sessions'],
        [
          ['active', 1200],
          ['failed', 3],
        ],
      ),
    ).toBe(
      ['state   sessions', '------  --------', 'active     1,200', 'failed         3'].join('\n'),
    );
  });
});

describe('Function: renderProgressLine', () => {
  it('shows processed of candidates, destroyed, failed and the rate against the quota', () => {
    const line = renderProgressLine(progress(), { quotaRps: 100, columns: 100 });
    expect(line).toMatch(/^\[#+\.+\] {2}500\/1,000 {2}destroyed 490 {2}failed 2 {2}97\/100 rps$/);
    const bar = line.slice(1, line.indexOf(']'));
    expect(bar.split('#').length - 1).toBe(bar.length / 2);
  });

  it('mentions throttled answers only when there were some', () => {
    expect(renderProgressLine(progress({ throttled: 3 }), { quotaRps: 100 })).toContain(
      'throttled 3',
    );
  });

  it.each([80, 60, 40, 20])('fits a terminal %d columns wide', (columns) => {
    const line = renderProgressLine(progress(), { quotaRps: 100, columns });
    expect(line.length).toBeLessThan(columns);
  });

  it('handles a run with no candidates', () => {
    expect(
      renderProgressLine(progress({ candidates: 0, processed: 0 }), { quotaRps: 100 }),
    ).toMatch(/^\[\.+\] {2}0\/0/);
  });
});

describe('Class: ProgressBar', () => {
  it('redraws at most once per interval and ends with the final state on its own line', () => {
    let now = 0;
    const drawn: string[] = [];
    const written: string[] = [];
    const bar = new ProgressBar((line) => drawn.push(line), {
      quotaRps: 100,
      intervalMs: 100,
      now: () => now,
    });
    now = 100;
    bar.update(progress({ processed: 1 }));
    now = 150;
    bar.update(progress({ processed: 2 }));
    now = 250;
    bar.update(progress({ processed: 3 }));
    bar.finish((text) => written.push(text));
    expect(drawn.map((line) => line.match(/ {2}(\d+)\//)?.[1])).toEqual(['1', '3', '3']);
    expect(written).toEqual(['\n']);
  });

  it('writes nothing when it never drew', () => {
    const written: string[] = [];
    new ProgressBar(() => {}, { quotaRps: 100 }).finish((text) => written.push(text));
    expect(written).toEqual([]);
  });
});
