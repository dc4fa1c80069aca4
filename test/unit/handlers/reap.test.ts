import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { handleReapInvocation } from '../../../src/handlers/reap.js';
import { jsonLogger } from '../../../src/logger.js';
import { FakeReaper } from '../../helpers/webhook-fakes.js';

const now = 1_750_000_000_000;
const scheduled = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };

const setup = () => {
  const lines: Record<string, unknown>[] = [];
  const reaper = new FakeReaper({ candidates: 3, destroyed: 2, failed: 1, achievedRps: 40 });
  const deps = {
    reaper,
    clock: () => now,
    logger: jsonLogger({ write: (line) => lines.push(JSON.parse(line)) }),
    deadline: () => now + 60_000,
  };
  return { reaper, deps, lines };
};

describe('Function: handleReapInvocation', () => {
  it('runs a scheduled event as the schedule trigger with the deadline', async () => {
    const { reaper, deps } = setup();
    await handleReapInvocation(scheduled, deps);
    expect(reaper.runs).toEqual([{ trigger: 'schedule', deadline: now + 60_000 }]);
  });

  it('runs a manual payload with its options', async () => {
    const { reaper, deps } = setup();
    const result = await handleReapInvocation({ dryRun: true, limit: 10 }, deps);
    expect(reaper.runs).toEqual([
      { trigger: 'manual', dryRun: true, limit: 10, deadline: now + 60_000 },
    ]);
    expect(result).toMatchObject({ trigger: 'manual', dryRun: true, destroyed: 2 });
  });

  it('refuses a bad manual payload before any work', async () => {
    const { reaper, deps } = setup();
    await expect(handleReapInvocation({ dryrun: true }, deps)).rejects.toThrow(ValidationError);
    expect(reaper.runs).toEqual([]);
  });

  it('refuses an event shaped like a scheduled one that carries reap options', async () => {
    const { reaper, deps } = setup();
    await expect(handleReapInvocation({ ...scheduled, dryRun: true }, deps)).rejects.toThrow(
      'dryRun: a scheduled event carries no reap options',
    );
    expect(reaper.runs).toEqual([]);
  });

  it('logs one structured summary line per run', async () => {
    const { deps, lines } = setup();
    await handleReapInvocation(scheduled, deps);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'reap run finished',
        candidates: 3,
        destroyed: 2,
        failed: 1,
        achievedRps: 40,
      }),
    ]);
  });
});
