import { describe, expect, it } from 'vitest';
import { handleHeartbeat } from '../../../src/handlers/heartbeat.js';
import { silentLogger } from '../../../src/logger.js';
import { SessionClasses } from '../../../src/policies/session-classes.js';
import type { ActivityOptions } from '../../../src/sessions/session-store.js';

const now = 1_750_000_000_000;
const classes = new SessionClasses(
  {
    idleTimeoutSeconds: 300,
    disconnectGraceSeconds: 90,
    maxSessionAgeSeconds: 0,
    warnBeforeSeconds: 0,
  },
  { kiosk: { idleTimeoutSeconds: 3600 } },
  'policies.yml',
);

/** What the handler asked the store to record. */
function recordingStore() {
  const calls: { userIds: string[]; at: number; options?: ActivityOptions }[] = [];
  return {
    calls,
    store: {
      recordActivity: async (userIds: readonly string[], at: number, options?: ActivityOptions) => {
        calls.push({ userIds: [...userIds], at, options });
      },
      recordDisconnect: async () => {},
      get: async () => undefined,
    },
  };
}

describe('Function: handleHeartbeat with a class', () => {
  it('records the sessions in the class the body names', async () => {
    const { store, calls } = recordingStore();
    const result = await handleHeartbeat(
      { type: 'session.heartbeat', userIds: ['booth-1'], class: 'kiosk' },
      { store, clock: () => now, logger: silentLogger, config: { classes } },
    );
    expect(result.status).toBe(202);
    expect(calls).toEqual([{ userIds: ['booth-1'], at: now, options: { class: 'kiosk' } }]);
  });

  it('answers 400 naming the class when the policies do not define it, recording nothing', async () => {
    const { store, calls } = recordingStore();
    const result = await handleHeartbeat(
      { type: 'session.heartbeat', userIds: ['booth-1'], class: 'kiosks' },
      { store, clock: () => now, logger: silentLogger, config: { classes } },
    );
    expect(result.status).toBe(400);
    expect(JSON.stringify(result.body)).toContain('unknown class \\"kiosks\\" in policies.yml');
    expect(calls).toEqual([]);
  });

  it('knows only the default class when no policies are given', async () => {
    const { store, calls } = recordingStore();
    const deps = { store, clock: () => now, logger: silentLogger };
    expect((await handleHeartbeat({ userIds: ['u'], class: 'kiosk' }, deps)).status).toBe(400);
    expect((await handleHeartbeat({ userIds: ['u'], class: 'default' }, deps)).status).toBe(202);
    expect((await handleHeartbeat({ userIds: ['u'], class: 7 }, deps)).status).toBe(400);
    expect(calls.map((call) => call.options)).toEqual([{ class: 'default' }]);
  });
});
