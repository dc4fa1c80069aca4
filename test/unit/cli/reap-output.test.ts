import { describe, expect, it } from 'vitest';
import { renderReapSummary } from '../../../src/cli/reap-output.js';
import type { ReapSummary } from '../../../src/reaper/types.js';

const summary = (overrides: Partial<ReapSummary>): ReapSummary => ({
  trigger: 'manual',
  candidates: 2,
  claimed: 0,
  destroyed: 0,
  retried: 0,
  failed: 0,
  alreadyGone: 0,
  terminalFailures: 0,
  oldestRetryAgeMs: 0,
  returned: 0,
  claimToSendMs: { count: 0, p50: 0, p99: 0, max: 0 },
  lateChecks: 0,
  failedChecks: 0,
  breakerOpened: 0,
  throttled: 0,
  skipped: 0,
  dryRun: true,
  durationMs: 100,
  achievedRps: 0,
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
});
