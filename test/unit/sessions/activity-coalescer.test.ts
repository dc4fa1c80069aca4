import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import {
  ActivityCoalescer,
  type ActivityWriter,
  coalescingWindowMs,
} from '../../../src/sessions/activity-coalescer.js';
import type { ActivityOptions } from '../../../src/sessions/session-store.js';

const T0 = Date.UTC(2026, 0, 1);

/** Records what reaches the store; fails the next write when told to. */
class RecordingWriter implements ActivityWriter {
  activity: Array<{ userIds: string[]; at: number; class?: string }> = [];
  disconnects: Array<{ userId: string; at: number }> = [];
  failNext = false;

  async recordActivity(
    userIds: readonly string[],
    at: number,
    options: ActivityOptions = {},
  ): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('store down');
    }
    this.activity.push({
      userIds: [...userIds],
      at,
      ...(options.class === undefined ? {} : { class: options.class }),
    });
  }

  async recordDisconnect(userId: string, at: number): Promise<void> {
    this.disconnects.push({ userId, at });
  }
}

describe('Class: ActivityCoalescer', () => {
  it('writes a user heartbeating every 5 s once per 30 s window', async () => {
    const store = new RecordingWriter();
    const coalescer = new ActivityCoalescer(store, { windowMs: 30_000 });
    for (let at = T0; at < T0 + 120_000; at += 5_000) await coalescer.recordActivity(['u'], at);
    expect(store.activity.map((write) => write.at - T0)).toEqual([0, 30_000, 60_000, 90_000]);
    expect(coalescer.stats()).toEqual({ written: 4, skipped: 20 });
  });

  it('passes on only the users of a batch whose window has passed', async () => {
    const store = new RecordingWriter();
    const coalescer = new ActivityCoalescer(store, { windowMs: 30_000 });
    await coalescer.recordActivity(['a'], T0);
    await coalescer.recordActivity(['a', 'b', 'b'], T0 + 10_000);
    expect(store.activity).toEqual([
      { userIds: ['a'], at: T0 },
      { userIds: ['b'], at: T0 + 10_000 },
    ]);
  });

  it('passes on at once activity that brings another class than the one it wrote', async () => {
    const store = new RecordingWriter();
    const coalescer = new ActivityCoalescer(store, { windowMs: 30_000 });
    await coalescer.recordActivity(['u'], T0, { class: 'kiosk' });
    await coalescer.recordActivity(['u'], T0 + 1_000, { class: 'kiosk' });
    await coalescer.recordActivity(['u'], T0 + 2_000);
    await coalescer.recordActivity(['u'], T0 + 3_000, { class: 'default' });
    expect(store.activity.map((write) => [write.at - T0, write.class])).toEqual([
      [0, 'kiosk'],
      [3_000, 'default'],
    ]);
  });

  it('never passes on activity older than what it wrote', async () => {
    const store = new RecordingWriter();
    const coalescer = new ActivityCoalescer(store, { windowMs: 30_000 });
    await coalescer.recordActivity(['u'], T0 + 60_000);
    await coalescer.recordActivity(['u'], T0);
    expect(store.activity).toHaveLength(1);
  });

  it('always writes a disconnect, and the activity right after it (the return)', async () => {
    const store = new RecordingWriter();
    const coalescer = new ActivityCoalescer(store, { windowMs: 30_000 });
    await coalescer.recordActivity(['u'], T0);
    await coalescer.recordDisconnect('u', T0 + 1_000);
    await coalescer.recordActivity(['u'], T0 + 2_000);
    expect(store.disconnects).toEqual([{ userId: 'u', at: T0 + 1_000 }]);
    expect(store.activity.map((write) => write.at - T0)).toEqual([0, 2_000]);
  });

  it('writes again on the next activity after a failed write', async () => {
    const store = new RecordingWriter();
    const coalescer = new ActivityCoalescer(store, { windowMs: 30_000 });
    store.failNext = true;
    await expect(coalescer.recordActivity(['u'], T0)).rejects.toThrow('store down');
    await coalescer.recordActivity(['u'], T0 + 5_000);
    expect(store.activity).toEqual([{ userIds: ['u'], at: T0 + 5_000 }]);
  });

  it('writes every activity with a zero window', async () => {
    const store = new RecordingWriter();
    const coalescer = new ActivityCoalescer(store, { windowMs: 0 });
    await coalescer.recordActivity(['u'], T0);
    await coalescer.recordActivity(['u'], T0 + 1);
    expect(store.activity).toHaveLength(2);
  });

  it('forgets the least recently written users past its capacity', async () => {
    const store = new RecordingWriter();
    const coalescer = new ActivityCoalescer(store, { windowMs: 30_000, capacity: 2 });
    await coalescer.recordActivity(['a', 'b'], T0);
    await coalescer.recordActivity(['c'], T0);
    await coalescer.recordActivity(['a', 'c'], T0 + 1_000);
    expect(store.activity.at(-1)).toEqual({ userIds: ['a'], at: T0 + 1_000 });
  });

  it('refuses bad input naming the field, before any write', async () => {
    const store = new RecordingWriter();
    const coalescer = new ActivityCoalescer(store, { windowMs: 30_000 });
    await expect(coalescer.recordActivity([''], T0)).rejects.toThrow(ValidationError);
    await expect(coalescer.recordActivity(['u'], Number.NaN)).rejects.toThrow(/^at/);
    expect(store.activity).toEqual([]);
  });
});

describe('Function: coalescingWindowMs', () => {
  it('is the activity resolution, at most half the disconnect grace', () => {
    expect(coalescingWindowMs({ activityResolutionSeconds: 30, disconnectGraceSeconds: 90 })).toBe(
      30_000,
    );
    expect(coalescingWindowMs({ activityResolutionSeconds: 30, disconnectGraceSeconds: 20 })).toBe(
      10_000,
    );
    expect(coalescingWindowMs({ activityResolutionSeconds: 30, disconnectGraceSeconds: 0 })).toBe(
      30_000,
    );
    expect(coalescingWindowMs({ activityResolutionSeconds: 0, disconnectGraceSeconds: 90 })).toBe(
      0,
    );
  });
});
