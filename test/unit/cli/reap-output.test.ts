import { describe, expect, it } from 'vitest';
import { renderReapSummary } from '../../../src/cli/reap-output.js';
import type { ReapSummary } from '../../../src/reaper/types.js';
import { summary as aSummary } from '../../helpers/webhook-fakes.js';

const summary = (overrides: Partial<ReapSummary>): ReapSummary =>
  aSummary({
    candidates: 2,
    dryRun: true,
    durationMs: 100,
    ...overrides,
  });

describe('Function: renderReapSummary', () => {
  it('says for each would-be destroy its class and reason, and how many exempt sessions were left alone', () => {
    const text = renderReapSummary(
      summary({
        wouldDestroy: ['u-1', 'gpu-2'],
        wouldDestroySessions: [
          { userId: 'u-1', class: 'default', reason: 'idle' },
          { userId: 'gpu-2', class: 'gpu', reason: 'disconnected' },
        ],
        skippedExempt: 3,
      }),
      100,
    );
    expect(text).toContain('left alone: 3 exempt');
    expect(text).toContain('would destroy: u-1 (default, idle), gpu-2 (gpu, disconnected)');
  });

  it('counts exempt skips among the outcomes of a run', () => {
    const text = renderReapSummary(summary({ dryRun: false, skippedExempt: 4 }), 100);
    expect(text).toMatch(/^skipped \(exempt\) +4$/m);
  });

  it('counts warnings and the sessions waiting for theirs, only with warnings on', () => {
    const text = renderReapSummary(summary({ dryRun: false, warned: 12, awaitingWarning: 5 }), 100);
    expect(text).toMatch(/^warned +12$/m);
    expect(text).toMatch(/^waiting for their warning +5$/m);
    expect(renderReapSummary(summary({ dryRun: false }), 100)).not.toMatch(/warn/);
  });

  it('says when events could not all be delivered in the run', () => {
    const kept = { delivered: 3, kept: 7, dropped: 0 };
    expect(renderReapSummary(summary({ dryRun: false, events: kept }), 100)).toMatch(
      /^events: 3 delivered, 7 kept for the next run$/m,
    );
    const delivered = { delivered: 10, kept: 0, dropped: 0 };
    expect(renderReapSummary(summary({ dryRun: false, events: delivered }), 100)).not.toMatch(
      /^events:/m,
    );
  });
});
