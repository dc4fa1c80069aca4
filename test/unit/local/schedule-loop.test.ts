import { describe, expect, it } from 'vitest';
import { ScheduleLoop } from '../../../src/local/schedule-loop.js';
import type { ReapOptions } from '../../../src/reaper/types.js';
import { summary } from '../../helpers/webhook-fakes.js';

describe('Class: ScheduleLoop', () => {
  it('runs one schedule cycle per interval, never two at once, until aborted', async () => {
    let now = 0;
    const controller = new AbortController();
    const runs: ReapOptions[] = [];
    const waits: number[] = [];
    let inFlight = 0;
    const loop = new ScheduleLoop(
      {
        reap: async (options) => {
          inFlight++;
          expect(inFlight).toBe(1);
          runs.push(options);
          options.onProgress?.({
            candidates: 10,
            processed: 5,
            destroyed: 4,
            failed: 0,
            retried: 0,
            throttled: 0,
            skipped: 1,
            currentRps: 4,
          });
          // Finished cycles plus the progress of the one running.
          expect(loop.destroyedTotal).toBe(4 * runs.length);
          now += 1500;
          inFlight--;
          if (runs.length === 3) controller.abort();
          return summary({ trigger: 'schedule', destroyed: 4 });
        },
      },
      {
        intervalMs: 5000,
        now: () => now,
        sleep: async (ms) => {
          waits.push(ms);
          now += ms;
        },
      },
    );
    await loop.run(controller.signal);
    expect(runs.map((run) => run.trigger)).toEqual(['schedule', 'schedule', 'schedule']);
    expect(runs[0]?.signal).toBe(controller.signal);
    expect(waits.slice(0, 2)).toEqual([3500, 3500]);
    expect(loop.reapsDone).toBe(3);
    expect(loop.destroyedTotal).toBe(12);
    expect(loop.reaping).toBe(false);
  });

  it('reports a failed cycle and goes on', async () => {
    const controller = new AbortController();
    const errors: unknown[] = [];
    let calls = 0;
    const loop = new ScheduleLoop(
      {
        reap: async () => {
          calls++;
          if (calls === 2) controller.abort();
          throw new Error('DynamoDB went away');
        },
      },
      { onError: (error) => errors.push(error), sleep: async () => {} },
    );
    await loop.run(controller.signal);
    expect(errors).toHaveLength(2);
    expect(loop.reapsDone).toBe(0);
  });
});
