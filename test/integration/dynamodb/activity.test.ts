import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_DUE_INDEX_STEP_MS,
  DynamoDbSessionStore,
} from '../../../src/dynamodb/dynamodb-session-store.js';
import {
  aSession,
  createTestTable,
  rawItem,
  seedSessions,
  type TestTable,
} from '../../helpers/dynamo.js';

const T0 = Date.UTC(2026, 0, 1);
let table: TestTable;

beforeAll(async () => {
  table = await createTestTable();
});
afterAll(async () => {
  await table.drop();
});

describe('Method: recordActivity', () => {
  it('creates an active session on first activity', async () => {
    await table.store.recordActivity(['first'], T0);
    expect(await table.store.get('first')).toEqual({
      userId: 'first',
      state: 'active',
      lastActiveAt: T0,
      startedAt: T0,
      attempts: 0,
      version: 1,
    });
  });

  it('moves lastActiveAt forward and never backwards (an older timestamp is a no-op)', async () => {
    await table.store.recordActivity(['ooo'], T0 + 5000);
    await table.store.recordActivity(['ooo'], T0 + 9000);
    await table.store.recordActivity(['ooo'], T0 + 7000);
    await table.store.recordActivity(['ooo'], T0 + 9000);
    const session = await table.store.get('ooo');
    expect(session?.lastActiveAt).toBe(T0 + 9000);
    expect(session?.startedAt).toBe(T0 + 5000);
    // Within the due index's step, activity moves lastActiveAt alone: no new version.
    expect(session?.version).toBe(1);
  });

  it('moves only lastActiveAt within the index step, and the index entry once a step has passed', async () => {
    const step = DEFAULT_DUE_INDEX_STEP_MS;
    await table.store.recordActivity(['steps'], T0);
    const entry = async () => {
      const item = await rawItem(table, 'steps');
      return {
        lastActiveAt: Number(item.lastActiveAt?.N),
        dueAt: Number(item.dueAt?.N),
        version: Number(item.version?.N),
      };
    };
    await table.store.recordActivity(['steps'], T0 + step - 1);
    expect(await entry()).toEqual({ lastActiveAt: T0 + step - 1, dueAt: T0, version: 1 });
    await table.store.recordActivity(['steps'], T0 + step);
    expect(await entry()).toEqual({ lastActiveAt: T0 + step, dueAt: T0 + step, version: 2 });
  });

  it('moves the index entry of a session whose mark another process moved meanwhile', async () => {
    const step = DEFAULT_DUE_INDEX_STEP_MS;
    const other = new DynamoDbSessionStore({ client: table.client, tableName: table.tableName });
    await table.store.recordActivity(['two-writers'], T0);
    await other.recordActivity(['two-writers'], T0 + step);
    // This store last saw the mark at T0: its cheap write fails and it moves the mark.
    await table.store.recordActivity(['two-writers'], T0 + 2 * step);
    const item = await rawItem(table, 'two-writers');
    expect(Number(item.dueAt?.N)).toBe(T0 + 2 * step);
    expect(Number(item.lastActiveAt?.N)).toBe(T0 + 2 * step);
    expect(Number(item.version?.N)).toBe(3);
  });

  it('writes a class change at once with a new version, and the same class as a cheap write', async () => {
    await table.store.recordActivity(['classy'], T0, { class: 'kiosk' });
    await table.store.recordActivity(['classy'], T0 + 1000, { class: 'kiosk' });
    expect(await table.store.get('classy')).toMatchObject({ class: 'kiosk', version: 1 });
    await table.store.recordActivity(['classy'], T0 + 2000, { class: 'default' });
    const session = await table.store.get('classy');
    expect(session?.class).toBeUndefined();
    expect(session?.version).toBe(2);
  });

  it('keys a disconnected session by its exact lastActiveAt, not the lagging mark', async () => {
    await table.store.recordActivity(['mark-lag'], T0);
    await table.store.recordActivity(['mark-lag'], T0 + 20_000);
    await table.store.recordDisconnect('mark-lag', T0 + 25_000);
    const item = await rawItem(table, 'mark-lag');
    expect(item.dueShard?.S).toMatch(/^D#/);
    expect(Number(item.dueAt?.N)).toBe(T0 + 20_000);
  });

  it('records every id of a call past 25 ids, once each even when repeated', async () => {
    const ids = Array.from({ length: 60 }, (_, index) => `batch-${index}`);
    await table.store.recordActivity([...ids, ...ids.slice(0, 10)], T0 + 1000);
    const sessions = await Promise.all(ids.map((id) => table.store.get(id)));
    expect(sessions.map((s) => s?.lastActiveAt)).toEqual(ids.map(() => T0 + 1000));
    expect(sessions.every((s) => s?.version === 1)).toBe(true);
  });

  it('brings a disconnected user back only with activity after the disconnect', async () => {
    await table.store.recordActivity(['back'], T0);
    await table.store.recordDisconnect('back', T0 + 1000);
    await table.store.recordActivity(['back'], T0 + 500);
    expect(await table.store.get('back')).toMatchObject({
      state: 'disconnected',
      lastActiveAt: T0 + 500,
      disconnectedAt: T0 + 1000,
    });
    await table.store.recordActivity(['back'], T0 + 2000);
    const session = await table.store.get('back');
    expect(session).toMatchObject({ state: 'active', lastActiveAt: T0 + 2000 });
    expect(session?.disconnectedAt).toBeUndefined();
  });

  it('revives a destroyed session as a new one, but not with activity from before the destroy', async () => {
    await seedSessions(table, [
      aSession(
        {
          userId: 'gone',
          state: 'destroyed',
          destroyedAt: T0 + 100,
          attempts: 2,
          requestId: 'r-1',
          reapedBy: 'run-1',
        },
        T0,
      ),
    ]);
    await table.store.recordActivity(['gone'], T0 + 50);
    expect(await table.store.get('gone')).toMatchObject({
      state: 'destroyed',
      lastActiveAt: T0 + 50,
    });
    await table.store.recordActivity(['gone'], T0 + 200);
    expect(await table.store.get('gone')).toEqual({
      userId: 'gone',
      state: 'active',
      lastActiveAt: T0 + 200,
      startedAt: T0 + 200,
      attempts: 0,
      version: 3,
    });
  });

  it('revives a failed session with newer activity, clearing its error', async () => {
    await seedSessions(table, [
      aSession({ userId: 'broke', state: 'failed', attempts: 5, lastError: 'InternalError' }, T0),
    ]);
    await table.store.recordActivity(['broke'], T0 + 1);
    expect(await table.store.get('broke')).toEqual({
      userId: 'broke',
      state: 'active',
      lastActiveAt: T0 + 1,
      startedAt: T0 + 1,
      attempts: 0,
      version: 2,
    });
  });
});

describe('Method: recordDisconnect', () => {
  it('creates a disconnected session for an unknown user', async () => {
    await table.store.recordDisconnect('stranger', T0);
    expect(await table.store.get('stranger')).toMatchObject({
      state: 'disconnected',
      disconnectedAt: T0,
      lastActiveAt: T0,
    });
  });

  it('ignores a disconnect older than the last activity, and repeated delivery', async () => {
    await table.store.recordActivity(['flappy'], T0 + 1000);
    await table.store.recordDisconnect('flappy', T0 + 500);
    expect((await table.store.get('flappy'))?.state).toBe('active');
    await table.store.recordDisconnect('flappy', T0 + 2000);
    await table.store.recordDisconnect('flappy', T0 + 2000);
    await table.store.recordDisconnect('flappy', T0 + 3000);
    expect(await table.store.get('flappy')).toMatchObject({
      state: 'disconnected',
      disconnectedAt: T0 + 2000,
      version: 2,
    });
  });
});
