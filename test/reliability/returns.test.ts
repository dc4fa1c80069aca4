import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbClient } from '../../src/dynamodb/client.js';
import { DynamoDbSessionStore } from '../../src/dynamodb/dynamodb-session-store.js';
import { createRuntime, type Runtime } from '../../src/dynamodb/runtime.js';
import { loadConfig } from '../../src/load-config.js';
import type { ReapSummary } from '../../src/reaper/types.js';
import { stackEnv, testCredentials } from '../helpers/car.js';
import { aSession, createTestTable, seedSessions, type TestTable } from '../helpers/dynamo.js';
import {
  type DestroyCall,
  type EmulatorProcess,
  startEmulatorProcess,
} from '../helpers/emulator-process.js';
import { ids, reportFigures } from './support/stack.js';

// 2,000 stale sessions reaped at the quota (100/s at the emulator and in the
// reaper) while about 600 of their users come back during the run: each
// return starts a new CAR session for the user and records activity through
// the library, as the heartbeat endpoint does. CAR ends a UserId's session,
// whatever it is, on DestroySession: a destroy that arrives after the return
// ends the new session. Checked against the emulator's arrival log: no
// DestroySession for a user arrives more than 100 ms after that user's return
// was durably recorded (the call may already be on the wire during that
// window, and the table shows the destroy then). The emulator runs in a
// process of its own, as CAR does: it stamps a call when the call arrives,
// not when the reaper's busy event loop would get to it.
const STALE = 2000;
const RETURNS = 600;
const RETURN_EVERY_MS = 30;
const WINDOW_MS = 100;

let table: TestTable;
let emulator: EmulatorProcess;
let runtime: Runtime;
let summary: ReapSummary;
/** DestroySession arrivals at the emulator, read once the run is over. */
let calls: DestroyCall[];
/** Per returning user: when its activity write had completed (epoch ms, same clock as the emulator). */
const returnedAt = new Map<string, number>();
/** Per returning user: when its new CAR session started (just before the activity write). */
const startedAt = new Map<string, number>();
const staleIds = ids('seat', STALE);

beforeAll(async () => {
  table = await createTestTable();
  emulator = await startEmulatorProcess({ credentials: { ...testCredentials }, rate: 100 });
  const staleAt = Date.now() - 10 * 60_000;
  await seedSessions(
    table,
    staleIds.map((userId) => aSession({ userId }, staleAt)),
  );
  await emulator.seed(staleIds);
  const client = createDynamoDbClient({
    awsRegion: 'us-east-1',
    dynamodbEndpoint: table.endpoint,
  });
  const users = new DynamoDbSessionStore({ client, tableName: table.tableName });
  runtime = createRuntime(
    loadConfig({
      ...stackEnv(table, emulator.url),
      CAR_QUOTA_RPS: '100',
    }),
  );
  let running = true;
  const reap = runtime.reaper.reap({ trigger: 'schedule' }).finally(() => {
    running = false;
  });
  // Users come back at a steady pace, in an order unrelated to the reaper's.
  const order = [...staleIds].sort((a, b) => hash(a) - hash(b)).slice(0, RETURNS);
  const returning = order.map(async (userId, i) => {
    await new Promise((resolve) => setTimeout(resolve, i * RETURN_EVERY_MS));
    if (!running) return;
    startedAt.set(userId, Date.now());
    await emulator.seed([userId]);
    await users.recordActivity([userId], Date.now());
    returnedAt.set(userId, Date.now());
  });
  await Promise.all(returning);
  summary = await reap;
  client.destroy();
  calls = await emulator.calls();
}, 600_000);

afterAll(async () => {
  await runtime?.close();
  await emulator?.stop();
  await table?.drop();
});

/** A stable scramble of the ids (FNV-1a). */
function hash(text: string): number {
  let h = 2166136261;
  for (const char of text) h = Math.imul(h ^ (char.codePointAt(0) ?? 0), 16777619) >>> 0;
  return h;
}

describe('Reliability: users coming back during a 2,000-session reap at the quota', () => {
  it('destroys no user more than 100 ms after their return was recorded', () => {
    const late: string[] = [];
    let destroysOfReturned = 0;
    for (const call of calls) {
      if (call.userId === undefined) continue;
      const back = returnedAt.get(call.userId);
      if (back === undefined) continue;
      destroysOfReturned++;
      if (call.at > back + WINDOW_MS) late.push(`${call.userId} +${call.at - back} ms`);
    }
    expect(late).toEqual([]);
    expect(returnedAt.size).toBeGreaterThan(RETURNS / 2);
    reportFigures('returns', {
      stale: STALE,
      returns: returnedAt.size,
      destroysOfReturnedUsers: destroysOfReturned,
      returnedBeforeSend: summary.returned,
      skipped: summary.skipped,
      destroyed: summary.destroyed,
      throttled: summary.throttled,
      achievedRps: summary.achievedRps,
      claimToSendMs: summary.claimToSendMs,
      lateChecks: summary.lateChecks,
      durationMs: summary.durationMs,
    });
  });

  it('leaves every user back before their destroy went out live at CAR, and records every outcome', async () => {
    const live = new Set(await emulator.liveSessions());
    const destroyedAt = new Map<string, number>();
    for (const call of calls) {
      if (call.outcome === 'ok' && call.userId) {
        destroyedAt.set(call.userId, call.at);
      }
    }
    for (const userId of returnedAt.keys()) {
      const destroyed = destroyedAt.get(userId);
      const started = startedAt.get(userId) as number;
      if (destroyed === undefined || destroyed < started) {
        expect(live.has(userId), userId).toBe(true);
      }
    }
    const counts = await table.store.counts();
    expect(counts.reaping).toBe(0);
    expect(counts.failed).toBe(0);
    expect(summary.unrecorded ?? 0).toBe(0);
  });
});
