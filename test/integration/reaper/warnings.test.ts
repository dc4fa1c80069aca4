import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../src/dynamodb/runtime.js';
import type { EventSink } from '../../../src/reaper/event-sink.js';
import type { ReaperEvent } from '../../../src/reaper/reaper-events.js';
import type { ReapSummary } from '../../../src/reaper/types.js';
import { type ReaperStack, startReaperStack } from './reaper-stack.js';

// Warn-first against the rest of the engine, on virtual time (every store
// condition and CAR call is real): idle 60 s, warnings 20 s ahead, the kiosk
// class without warnings, an exemption, and retries across runs.
const dir = mkdtempSync(join(tmpdir(), 'car-reaper-warnings-'));
const policies = join(dir, 'policies.yml');
writeFileSync(policies, 'classes:\n  kiosk:\n    warnBeforeSeconds: 0\n');
const env = {
  IDLE_TIMEOUT_SECONDS: '60',
  WARN_BEFORE_SECONDS: '20',
  ACTIVITY_RESOLUTION_SECONDS: '0',
  RETRY_MAX_DELAY_SECONDS: '1',
  POLICIES_FILE: policies,
};
const T = Date.now();
const S = 1000;
let now = T;
const events: ReaperEvent[] = [];
const recorder: EventSink = {
  publish: (event) => events.push(event),
  flush: async () => ({ delivered: 0, kept: 0, dropped: 0 }),
};

let stack: ReaperStack;
let runtime: Runtime;
const runs = new Map<number, ReapSummary>();

const RUNS = [0, 10, 20, 30, 50];
/** The run (seconds after T) that destroyed the session; a run's waits move its clock on a little. */
const destroyedIn = (userId: string) => {
  const event = events.find((e) => e.type === 'session.destroyed' && e.data.userId === userId);
  if (!event) return undefined;
  return runOf(event.timestamp);
};
const runOf = (timestamp: string) =>
  RUNS.filter((run) => T + run * S <= Date.parse(timestamp)).at(-1);
const warnings = (userId: string) =>
  events.filter((e) => e.type === 'session.warning' && e.data.userId === userId);

beforeAll(async () => {
  stack = await startReaperStack({
    faults: { userFailures: { retrying: { code: 'InternalError', times: 1 } } },
  });
  runtime = stack.runtime(
    {
      budgetMode: 'local',
      clock: () => now,
      // Virtual time: a wait moves the clock on at once.
      sleep: async (ms) => {
        now += ms;
      },
      events: recorder,
      // One call a run: the scripted failure leaves the session to the next run.
      reaper: { maxAttempts: 1 },
    },
    env,
  );
  const store = stack.table.store;
  await store.recordActivity(['lowered', 'exempt', 'retrying'], T - 10 * 60 * S);
  await store.recordActivity(['kiosk'], T - 10 * 60 * S, { class: 'kiosk' });
  await store.recordActivity(['soon', 'answers'], T - 45 * S);
  await store.setExemption(['exempt'], { until: T + 5 * S, reason: 'demo', by: 'ops', at: T });
  stack.emulator.seedSessions(['lowered', 'exempt', 'retrying', 'kiosk', 'soon', 'answers']);

  for (const at of RUNS) {
    now = T + at * S;
    // The answering user's backend records activity 5 s after the first warning.
    if (at === 10) await store.recordActivity(['answers'], T + 5 * S);
    runs.set(at, await runtime.reaper.reap({ trigger: 'schedule' }));
  }
});
afterAll(async () => {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Reaper: warn, then reap, with classes, exemptions and retries', () => {
  it('warns a session already past due first, and reaps it no sooner than the warning time later', () => {
    expect(warnings('lowered').map((w) => [w.timestamp, w.data])).toEqual([
      [
        new Date(T).toISOString(),
        {
          userId: 'lowered',
          class: 'default',
          reason: 'idle',
          dueAt: new Date(T + 20 * S).toISOString(),
        },
      ],
    ]);
    expect(destroyedIn('lowered')).toBe(20);
    expect(runs.get(0)).toMatchObject({ destroyed: 1, warned: 4 });
    expect(runs.get(10)?.destroyed).toBe(0);
  });

  it('warns a session about to be due with its due time, and reaps it then', () => {
    expect(warnings('soon')).toHaveLength(1);
    expect(warnings('soon')[0]?.data).toMatchObject({ dueAt: new Date(T + 20 * S).toISOString() });
    expect(destroyedIn('soon')).toBe(20);
  });

  it('reaps a class without warnings at once, unwarned', () => {
    expect(warnings('kiosk')).toEqual([]);
    expect(destroyedIn('kiosk')).toBe(0);
  });

  it('warns an exempt session only once its exemption ends, then reaps it the warning time later', () => {
    expect(warnings('exempt').map((w) => runOf(w.timestamp))).toEqual([10]);
    expect(destroyedIn('exempt')).toBe(30);
  });

  it('retries across runs on the warning of the first claim, and reports the reason', () => {
    expect(warnings('retrying')).toHaveLength(1);
    expect(runs.get(20)?.retried).toBe(1);
    const destroyed = events.find(
      (e) => e.type === 'session.destroyed' && e.data.userId === 'retrying',
    );
    expect(destroyedIn('retrying')).toBe(30);
    expect(destroyed?.data).toMatchObject({ reason: 'idle', alreadyGone: false });
  });

  it('never reaps a user who answered, and warns again in the new idle period', async () => {
    expect(destroyedIn('answers')).toBeUndefined();
    expect((await stack.table.store.get('answers'))?.state).toBe('active');
    expect(warnings('answers').map((w) => runOf(w.timestamp))).toEqual([0, 50]);
  });

  it('publishes reap.completed for every run; warnings took no DestroySession call', () => {
    expect(events.filter((e) => e.type === 'reap.completed')).toHaveLength(runs.size);
    const calls = stack.emulator.calls().filter((c) => c.action === 'DestroySession');
    // One call per destroyed session, and the scripted failure of the retried one.
    expect(calls.map((c) => c.userId).sort()).toEqual(
      ['exempt', 'kiosk', 'lowered', 'retrying', 'retrying', 'soon'].sort(),
    );
  });
});
