import { describe, expect, it } from 'vitest';
import {
  continuationEvent,
  continueIfUnfinished,
  type SelfInvoker,
} from '../../../src/lambda/continuation.js';
import { silentLogger } from '../../../src/logger.js';
import type { ReapSummary } from '../../../src/reaper/types.js';
import { summary as aSummary } from '../../helpers/webhook-fakes.js';

const scheduled = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };

const summary = (overrides: Partial<ReapSummary> = {}): ReapSummary =>
  aSummary({
    trigger: 'schedule',
    candidates: 500,
    claimed: 480,
    destroyed: 470,
    retried: 10,
    skipped: 20,
    durationMs: 285_000,
    achievedRps: 95,
    stoppedAt: 'deadline',
    ...overrides,
  });

describe('Function: continuationEvent', () => {
  it('forwards the schedule event of a run that stopped at its deadline with work left', () => {
    expect(continuationEvent(scheduled, summary())).toBe(scheduled);
  });

  it('forwards a manual sweep, and an empty payload as {}', () => {
    const payload = { idleTimeoutSeconds: 60 };
    expect(continuationEvent(payload, summary({ trigger: 'manual' }))).toBe(payload);
    expect(continuationEvent(undefined, summary({ trigger: 'manual' }))).toEqual({});
  });

  it('ends the chain when the run finished, was a dry run, or claimed nothing', () => {
    expect(continuationEvent(scheduled, summary({ stoppedAt: undefined }))).toBeUndefined();
    expect(continuationEvent(scheduled, summary({ stoppedAt: 'limit' }))).toBeUndefined();
    expect(continuationEvent(scheduled, summary({ dryRun: true }))).toBeUndefined();
    expect(continuationEvent(scheduled, summary({ claimed: 0 }))).toBeUndefined();
  });

  it('never repeats named ids or a limit (they would destroy again or overrun the brake)', () => {
    expect(continuationEvent({ userIds: ['u1'] }, summary())).toBeUndefined();
    expect(continuationEvent({ limit: 100 }, summary())).toBeUndefined();
    expect(continuationEvent('not an object', summary())).toBeUndefined();
  });
});

describe('Function: continueIfUnfinished', () => {
  it('invokes the next run with the same event', async () => {
    const sent: unknown[] = [];
    const invoker: SelfInvoker = { invoke: async (payload) => void sent.push(payload) };
    const result = await continueIfUnfinished(scheduled, summary(), {
      invoker,
      logger: silentLogger,
    });
    expect(result).toBe('continued');
    expect(sent).toEqual([scheduled]);
  });

  it('logs a failed invoke and leaves the backlog to the schedule', async () => {
    const errors: string[] = [];
    const logger = { ...silentLogger, error: (message: string) => void errors.push(message) };
    const invoker: SelfInvoker = {
      invoke: async () => {
        throw new Error('AccessDeniedException');
      },
    };
    expect(await continueIfUnfinished(scheduled, summary(), { invoker, logger })).toBe('failed');
    expect(errors).toHaveLength(1);
  });

  it('does nothing when the run drained the backlog', async () => {
    const sent: unknown[] = [];
    const invoker: SelfInvoker = { invoke: async (payload) => void sent.push(payload) };
    const done = summary({ stoppedAt: undefined });
    expect(await continueIfUnfinished(scheduled, done, { invoker, logger: silentLogger })).toBe(
      'finished',
    );
    expect(sent).toEqual([]);
  });
});
