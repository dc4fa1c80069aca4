import { describe, expect, it } from 'vitest';
import type { EventSink } from '../../../src/reaper/event-sink.js';
import type { ReaperEvent } from '../../../src/reaper/reaper-events.js';
import { MINUTE, reaperHarness } from '../../helpers/reaper-harness.js';

const WARN = MINUTE;

function warningHarness() {
  const events: ReaperEvent[] = [];
  const sink: EventSink = {
    publish: (event) => events.push(event),
    flush: async () => ({ delivered: events.length, kept: 0, dropped: 0 }),
  };
  const h = reaperHarness({ settings: { warnBeforeMs: WARN }, events: sink });
  const ofType = (type: ReaperEvent['type']) => events.filter((e) => e.type === type);
  return { ...h, events, ofType };
}

describe('Function: createReaper (warn, then reap)', () => {
  it('warns a session already past due instead of destroying it, and destroys it a warning time later', async () => {
    const h = warningHarness();
    const stale = h.seedIdle(3);
    const first = await h.reap();
    expect(first).toMatchObject({ destroyed: 0, warned: 3, awaitingWarning: 3 });
    // A warning takes no DestroySession call, so no slot of the quota.
    expect(h.car.calls).toEqual([]);
    expect(h.ofType('session.warning').map((e) => e.data)).toEqual(
      stale.map((userId) => ({
        userId,
        class: 'default',
        reason: 'idle',
        dueAt: new Date(h.time.now + WARN).toISOString(),
      })),
    );

    await h.time.advance(WARN - 1000);
    expect(await h.reap()).toMatchObject({ destroyed: 0, warned: 0, awaitingWarning: 3 });
    await h.time.advance(1000);
    expect(await h.reap()).toMatchObject({ destroyed: 3, warned: 0 });
    expect(
      h
        .ofType('session.destroyed')
        .map((e) => e.data.userId)
        .sort(),
    ).toEqual(stale);
    expect(h.ofType('reap.completed')).toHaveLength(3);
  });

  it('warns a session about to be due before it is due, once, and never destroys a user who answers', async () => {
    const h = warningHarness();
    h.store.seed(
      { userId: 'answers', lastActiveAt: h.time.now - 4.5 * MINUTE },
      { userId: 'silent', lastActiveAt: h.time.now - 4.5 * MINUTE },
    );
    expect(await h.reap()).toMatchObject({ warned: 2, destroyed: 0 });
    await h.store.recordActivity(['answers'], h.time.now + 1000);
    await h.time.advance(WARN);
    const second = await h.reap();
    expect(second).toMatchObject({ destroyed: 1, warned: 0 });
    expect(h.car.calls.map((c) => c.userId)).toEqual(['silent']);
    expect(h.store.state('answers')).toBe('active');
    expect(h.ofType('session.warning')).toHaveLength(2);
  });

  it('warns nobody on a dry run or a named destroy', async () => {
    const h = warningHarness();
    const [stale] = h.seedIdle(1);
    const dry = await h.reap({ dryRun: true });
    expect(dry.warned).toBeUndefined();
    expect((await h.store.get(stale as string))?.warnedAt).toBeUndefined();
    expect(await h.reap({ trigger: 'manual', userIds: [stale as string] })).toMatchObject({
      destroyed: 1,
    });
    expect(h.ofType('session.warning')).toEqual([]);
  });

  it('starts no warning once the run is stopped', async () => {
    const h = warningHarness();
    const [stale] = h.seedIdle(1);
    h.store.seed({ userId: 'soon', lastActiveAt: h.time.now - 4.5 * MINUTE });
    const stop = new AbortController();
    stop.abort();
    const summary = await h.reap({ signal: stop.signal });
    expect(summary).toMatchObject({ stoppedAt: 'aborted', warned: 0 });
    expect((await h.store.get(stale as string))?.warnedAt).toBeUndefined();
    expect((await h.store.get('soon'))?.warnedAt).toBeUndefined();
  });
});
