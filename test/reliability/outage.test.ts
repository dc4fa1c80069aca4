import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReapSummary } from '../../src/reaper/types.js';
import {
  ids,
  type ReliabilityStack,
  reportFigures,
  startReliabilityStack,
} from './support/stack.js';

// CAR is down for 60 seconds: every DestroySession hangs until the client
// gives up. Runs keep starting back to back (one reaper, as one Lambda
// container keeps its breaker), then CAR recovers. No session may be recorded
// failed, and every stale session must end destroyed once CAR is back.
const STALE = 200;
const OUTAGE_MS = 60_000;

let stack: ReliabilityStack;
const during: ReapSummary[] = [];
const after: ReapSummary[] = [];
let failedDuringOutage = 0;
const staleIds = ids('outage', STALE);

beforeAll(async () => {
  stack = await startReliabilityStack({ rate: 200 });
  await stack.seed(staleIds, Date.now() - 10 * 60_000);
  const runtime = stack.runtime(
    {},
    { CAR_QUOTA_RPS: '200', CAR_TIMEOUT_MS: '1000', RETRY_MAX_DELAY_SECONDS: '2' },
  );
  stack.emulator.configure({ faults: { hangRate: 1, actions: ['DestroySession'] } });
  const recoverAt = Date.now() + OUTAGE_MS;
  while (Date.now() < recoverAt) {
    during.push(
      await runtime.reaper.reap({
        trigger: 'schedule',
        deadline: Math.min(recoverAt, Date.now() + 15_000),
      }),
    );
    failedDuringOutage = (await stack.table.store.counts()).failed;
  }
  stack.emulator.configure({ faults: {} });
  for (let run = 0; run < 10; run++) {
    after.push(await runtime.reaper.reap({ trigger: 'schedule', deadline: Date.now() + 60_000 }));
    if ((await stack.table.store.counts()).destroyed === STALE) break;
  }
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

describe('Reliability: a 60-second CAR outage (every call hangs), then recovery', () => {
  it('records no session failed during or after the outage, and destroys them all after', async () => {
    expect(failedDuringOutage).toBe(0);
    expect(await stack.table.store.counts()).toMatchObject({
      destroyed: STALE,
      failed: 0,
      reaping: 0,
    });
    expect([...during, ...after].every((s) => s.failed === 0)).toBe(true);
    expect(stack.emulator.liveSessions()).toEqual([]);
  });

  it('backs off as a whole: the breaker opens and the outage costs far fewer calls than sessions', () => {
    const callsDuring = during.reduce((sum, s) => sum + (s.calls ?? 0), 0);
    expect(during.some((s) => s.breakerOpened > 0)).toBe(true);
    expect(during.some((s) => s.stoppedAt === 'outage')).toBe(true);
    expect(callsDuring).toBeLessThan(STALE);
    reportFigures('outage', {
      stale: STALE,
      outageMs: OUTAGE_MS,
      runsDuringOutage: during.length,
      callsDuringOutage: callsDuring,
      stops: during.map((s) => s.stoppedAt ?? 'done'),
      runsAfter: after.length,
      destroyedAfter: after.map((s) => s.destroyed),
    });
  });
});
