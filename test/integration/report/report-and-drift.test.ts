import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CarEmulator, startCarEmulator } from '../../../src/emulator/index.js';
import { stackEnv, testCredentials } from '../../helpers/car.js';
import { buildCli, runCarReaper } from '../../helpers/cli.js';
import { createTestTable, type TestTable } from '../../helpers/dynamo.js';

let table: TestTable;
let emulator: CarEmulator;

const env = (extra: Record<string, string | undefined> = {}) => ({
  ...stackEnv(table, emulator.url),
  // Sessions idle for the timeout alone are due (no allowance for unwritten activity).
  ACTIVITY_RESOLUTION_SECONDS: '0',
  ...extra,
});

const tracked = Array.from({ length: 300 }, (_, i) => `tracked-${i}`);
const untracked = Array.from({ length: 40 }, (_, i) => `untracked-${i}`);

async function cliJson(args: string[], extra: Record<string, string | undefined> = {}) {
  const result = await runCarReaper(args, env(extra));
  if (result.status !== 0) throw new Error(`car-reaper ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

beforeAll(async () => {
  table = await createTestTable();
  emulator = await startCarEmulator({ credentials: { ...testCredentials }, seats: 1000 });
  await buildCli();
});

afterAll(async () => {
  await emulator?.stop();
  await table?.drop();
});

// Five CLI processes over 340 sessions: a minute or more on a loaded 2-core machine.
describe('drift and the report, end to end', { timeout: 180_000 }, () => {
  it('sees 40 untracked seats before and after reaping 300 idle sessions, and reports the 300 as idle', async () => {
    // 300 sessions the table tracks, last active 12 s ago; 40 CAR holds that the table never saw.
    const lastActiveAt = Date.now() - 12_000;
    await table.store.recordActivity(tracked, lastActiveAt);
    emulator.seedSessions([...tracked, ...untracked]);

    const before = await cliJson(['status', '--json']);
    expect(before.drift).toEqual({ carRunning: 340, tracked: 300, untracked: 40 });

    const reapStart = Date.now();
    const reap = await cliJson(['reap', '--idle-timeout', '10', '--json']);
    const reapEnd = Date.now();
    expect(reap).toMatchObject({ destroyed: 300, failed: 0 });

    const after = await cliJson(['status', '--json']);
    expect(after.drift).toEqual({ carRunning: 40, tracked: 0, untracked: 40 });

    const report = await cliJson(['report', '--since', '1h', '--json']);
    expect(report.destroyed).toEqual({
      total: 300,
      byReason: { idle: 300, disconnected: 0, maxAge: 0, manual: 0 },
    });
    expect(report).toMatchObject({ failed: 0, alreadyGone: 0, retryPending: 0 });
    expect(report.drift).toEqual({ carRunning: 40, tracked: 0, untracked: 40 });
    // Each session paid for its 12 s idle before the run plus its wait in the run: on a
    // quiet machine 12-20 s; a loaded one stretches the run, so the bounds are the run's.
    const fewest = (reapStart - lastActiveAt) / 1000;
    const most = (reapEnd - lastActiveAt) / 1000;
    expect(fewest).toBeGreaterThanOrEqual(12);
    const perSession = report.idleSeatSeconds / 300;
    expect(perSession).toBeGreaterThanOrEqual(fewest);
    expect(perSession).toBeLessThanOrEqual(most);
    // Per-session figures are histogram bucket bounds (at most 19% off).
    expect(report.idleSeatPerSession.min).toBeGreaterThanOrEqual(fewest / 1.19);
    expect(report.idleSeatPerSession.min).toBeLessThanOrEqual(most);
    expect(report.idleSeatPerSession.max).toBeGreaterThanOrEqual(fewest);
    expect(report.idleSeatPerSession.max).toBeLessThanOrEqual(most * 1.19);
    // Due 10 s after the last activity: reaped 2 s later at the soonest.
    expect(report.timeToReap.byReason.idle.count).toBe(300);
    expect(report.timeToReap.byReason.idle.p50).toBeGreaterThanOrEqual(2);
    expect(report.timeToReap.byReason.idle.p99).toBeLessThanOrEqual((most - 10) * 1.19);
    // One item per hour of the window, not one per outcome.
    expect(report.read.items).toBeLessThanOrEqual(2);
    expect(report.read.requests).toBe(1);
  });

  it('writes a self-contained page with the charts', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'car-reaper-report-')), 'report.html');
    const result = await runCarReaper(['report', '--since', '1h', '--html', file], env());
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(`report page written to ${file}`);
    const html = readFileSync(file, 'utf8');
    expect(html).toMatch(/<svg[^>]*aria-label="Destroys per hour by reason"/);
    expect(html).toContain('<title>');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).toContain('idle: 300');
  });

  it('shows money only when SEAT_HOUR_PRICE is set', async () => {
    const plain = await cliJson(['report', '--since', '1h', '--json']);
    expect(plain).not.toHaveProperty('idleSeatCost');
    const priced = await cliJson(['report', '--since', '1h', '--json'], { SEAT_HOUR_PRICE: '3.6' });
    expect(priced.seatHourPrice).toBe(3.6);
    // 3.6 per hour is 0.001 per second.
    expect(priced.idleSeatCost).toBeCloseTo(priced.idleSeatSeconds / 1000, 2);
  });

  it('refuses a bad window or price, naming it', async () => {
    const since = await runCarReaper(['report', '--since', '1 week'], env());
    expect(since.status).toBe(2);
    expect(since.stderr).toMatch(/--since.*must be a duration such as 90m, 24h or 7d/);
    const price = await runCarReaper(['report'], env({ SEAT_HOUR_PRICE: 'ten' }));
    expect(price.status).toBe(1);
    expect(price.stderr).toContain('SEAT_HOUR_PRICE');
  });
});
