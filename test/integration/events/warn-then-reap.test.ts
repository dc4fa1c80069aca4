import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../../src/dynamodb/runtime.js';
import { type CarEmulator, startCarEmulator } from '../../../src/emulator/index.js';
import { loadConfig } from '../../../src/load-config.js';
import { stackEnv, testCredentials } from '../../helpers/car.js';
import { createTestTable, type TestTable } from '../../helpers/dynamo.js';
import {
  EventReceiver,
  type ReceivedEvent,
  testEventSecret,
} from '../../helpers/event-receiver.js';

// The warn-then-reap acceptance scenario: IDLE_TIMEOUT_SECONDS=16,
// WARN_BEFORE_SECONDS=8, a reap every 2 s over 80 users, with every activity
// written (ACTIVITY_RESOLUTION_SECONDS=0) and with the default resolution
// (30 s: sessions are due 30 s later, and answers move lastActiveAt alone,
// off the due index). The receiver's
// "clients" of the even users answer each warning (their activity is
// recorded), the odd ones never do. The receiver verifies every delivery
// with the reference standardwebhooks library and refuses the first
// delivery of every fourth event with 503.
const USERS = 80;
const IDLE_S = 16;
const WARN_S = 8;
const PERIOD_MS = 2000;
const secret = testEventSecret();
const users = Array.from({ length: USERS }, (_, i) => `player-${i}`);
const answers = (userId: string) => Number(userId.split('-')[1]) % 2 === 0;
const silent = users.filter((u) => !answers(u));
const answering = users.filter(answers);

describe.each([
  { resolution: '0', label: 'every activity written' },
  { resolution: undefined, label: 'the default activity resolution' },
])('Warn, then reap ($label)', ({ resolution }) => {
  let table: TestTable;
  let emulator: CarEmulator;
  let receiver: EventReceiver;
  let runtime: Runtime;
  const answered: string[] = [];
  const runs: { candidates: number; destroyed: number; warned?: number }[] = [];

  beforeAll(async () => {
    table = await createTestTable();
    emulator = await startCarEmulator({ credentials: { ...testCredentials } });
    let events = 0;
    receiver = new EventReceiver({ secret, refuseFirst: () => events++ % 4 === 0 });
    await receiver.start();
    runtime = createRuntime(
      loadConfig({
        ...stackEnv(table, emulator.url),
        IDLE_TIMEOUT_SECONDS: String(IDLE_S),
        WARN_BEFORE_SECONDS: String(WARN_S),
        ...(resolution === undefined ? {} : { ACTIVITY_RESOLUTION_SECONDS: resolution }),
        EVENTS_WEBHOOK_URL: receiver.url,
        EVENTS_WEBHOOK_SECRET: secret,
      }),
    );
    receiver.onEvent = (event) => {
      const userId = String(event.data.userId);
      if (event.type === 'session.warning' && answers(userId)) {
        answered.push(userId);
        void runtime.store.recordActivity([userId], Date.now());
      }
    };
    await runtime.store.recordActivity(users, Date.now());
    emulator.seedSessions(users);

    // Reaps every 2 s until every silent user is gone and every answering user has
    // answered at least twice, then three more periods.
    let after = -1;
    const giveUpAt = Date.now() + 150_000;
    while (after !== 0 && Date.now() < giveUpAt) {
      const started = Date.now();
      runs.push(await runtime.reaper.reap({ trigger: 'schedule' }));
      if (after > 0) after--;
      const silentLive = emulator.liveSessions().filter((u) => silent.includes(u)).length;
      const twice = answering.every((u) => answered.filter((a) => a === u).length >= 2);
      if (after < 0 && silentLive === 0 && twice) after = 3;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, PERIOD_MS - (Date.now() - started))),
      );
    }
  }, 240_000);

  afterAll(async () => {
    await runtime?.close();
    await receiver?.stop();
    await emulator?.stop();
    await table?.drop();
  });

  const byUser = (type: string) => {
    const map = new Map<string, ReceivedEvent[]>();
    for (const event of receiver.ofType(type)) {
      const userId = String(event.data.userId);
      map.set(userId, [...(map.get(userId) ?? []), event]);
    }
    return map;
  };

  it('never destroys a user who answers the warnings', async () => {
    const destroyCalls = emulator.calls().filter((c) => c.action === 'DestroySession');
    expect(destroyCalls.filter((c) => answers(c.userId ?? ''))).toEqual([]);
    for (const userId of answering) {
      expect((await runtime.store.get(userId))?.state).toBe('active');
    }
    // Each answering user was warned (and answered) once per idle period, twice at least.
    for (const userId of answering) {
      expect(answered.filter((a) => a === userId).length, userId).toBeGreaterThanOrEqual(2);
    }
  });

  it('destroys every silent user, each with a session.destroyed event', async () => {
    for (const userId of silent) {
      expect((await runtime.store.get(userId))?.state).toBe('destroyed');
    }
    const destroyed = byUser('session.destroyed');
    expect([...destroyed.keys()].sort()).toEqual([...silent].sort());
    for (const [, [event]] of destroyed) {
      expect(event?.data).toMatchObject({ class: 'default', reason: 'idle', alreadyGone: false });
      expect(typeof event?.data.requestId).toBe('string');
    }
  });

  it('warned each destroyed user at least WARN_BEFORE_SECONDS before, and not before dueAt', () => {
    const warnings = byUser('session.warning');
    const leads: number[] = [];
    for (const [userId, [destroyed]] of byUser('session.destroyed')) {
      const destroyedAt = Date.parse(String(destroyed?.data.destroyedAt));
      const before = (warnings.get(userId) ?? []).filter(
        (w) => Date.parse(w.timestamp) <= destroyedAt,
      );
      expect(before.length, `${userId} was warned`).toBeGreaterThan(0);
      const lastWarning = Math.max(...before.map((w) => Date.parse(w.timestamp)));
      expect(destroyedAt - lastWarning).toBeGreaterThanOrEqual(WARN_S * 1000);
      leads.push(destroyedAt - lastWarning);
      const dueAt = Date.parse(String(before.at(-1)?.data.dueAt));
      expect(destroyedAt).toBeGreaterThanOrEqual(dueAt);
    }
    console.log(
      `[figures] warn-then-reap resolution=${resolution ?? 'default'} ${JSON.stringify({
        runs: runs.length,
        warnings: receiver.ofType('session.warning').length,
        answered: answered.length,
        destroyed: leads.length,
        leadMs: { min: Math.min(...leads), max: Math.max(...leads) },
        redeliveries: [...receiver.deliveries.values()].filter((n) => n > 1).length,
      })}`,
    );
  });

  it('delivered every event verified by the reference library, retrying the refused ones', () => {
    expect(receiver.unverified).toEqual([]);
    expect([...receiver.deliveries.values()].some((n) => n > 1)).toBe(true);
    expect(receiver.ofType('reap.completed')).toHaveLength(runs.length);
    // One warning per idle period: a silent user is warned once.
    for (const [userId, warnings] of byUser('session.warning')) {
      if (!answers(userId)) expect(warnings, userId).toHaveLength(1);
    }
  });
});
