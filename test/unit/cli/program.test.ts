import { describe, expect, it } from 'vitest';
import type { CarApi } from '../../../src/car/car-api.js';
import { runCli } from '../../../src/cli/program.js';
import type { Config } from '../../../src/config.js';
import { ConfigError } from '../../../src/errors.js';
import type { ReapOptions, ReapSummary } from '../../../src/reaper/types.js';
import type { CliServices, ServicesFactory } from '../../../src/services.js';
import type { SessionStore } from '../../../src/sessions/session-store.js';
import { memoryIo } from '../../helpers/cli.js';
import { summary as aSummary } from '../../helpers/webhook-fakes.js';

const summary = (overrides: Partial<ReapSummary> = {}): ReapSummary =>
  aSummary({
    candidates: 3,
    claimed: 3,
    destroyed: 2,
    failed: 1,
    durationMs: 120,
    achievedRps: 25,
    ...overrides,
  });

/** Fakes behind the CLI's own services port; records what the commands asked for. */
function fakeServices(options: { reap?: (o: ReapOptions) => ReapSummary; car?: CarApi } = {}) {
  const touched: string[][] = [];
  const disconnected: string[] = [];
  const reaps: ReapOptions[] = [];
  const store = {
    recordActivity: async (ids: readonly string[]) => {
      touched.push([...ids]);
    },
    recordDisconnect: async (id: string) => {
      disconnected.push(id);
    },
    counts: async () => ({ active: 5, disconnected: 1, reaping: 0, destroyed: 7, failed: 1 }),
  } as unknown as SessionStore;
  const factory: ServicesFactory = (config: Config): CliServices => ({
    config,
    ensureTable: async () => ({ created: true }),
    store: () => store,
    exemptions: () => ({
      setExemption: async () => ({ missing: [] }),
      removeExemption: async () => ({ removed: [] }),
      listExemptions: async () => [],
    }),
    callerIdentity: async () => 'local:test@host',
    car: () => {
      if (!options.car) throw new ConfigError('TENCENTCLOUD_SECRET_ID', 'is required to call CAR');
      return options.car;
    },
    reaper: () => ({
      reap: async (o: ReapOptions) => {
        reaps.push(o);
        o.onProgress?.({
          candidates: 3,
          processed: 3,
          destroyed: 2,
          failed: 1,
          retried: 0,
          throttled: 0,
          skipped: 0,
          currentRps: 25,
        });
        return (options.reap ?? (() => summary()))(o);
      },
    }),
    close: async () => {},
  });
  return { factory, touched, disconnected, reaps };
}

const argv = (...args: string[]) => ['node', 'car-reaper', ...args];

describe('Function: runCli', () => {
  it('exits 2 and prints the usage for an unknown command', async () => {
    const io = memoryIo();
    expect(await runCli(argv('reapp'), io, fakeServices().factory)).toBe(2);
    expect(io.stderr()).toContain("unknown command 'reapp'");
    expect(io.stderr()).toContain('Usage: car-reaper');
  });

  it('exits 2 and prints the usage for an unknown flag', async () => {
    const io = memoryIo();
    expect(await runCli(argv('reap', '--fast'), io, fakeServices().factory)).toBe(2);
    expect(io.stderr()).toContain("unknown option '--fast'");
    expect(io.stderr()).toContain('Usage: car-reaper reap');
  });

  it('names the flag of a malformed number and exits 2', async () => {
    const io = memoryIo();
    expect(await runCli(argv('reap', '--limit', '10x'), io, fakeServices().factory)).toBe(2);
    expect(io.stderr()).toContain("option '--limit <n>' argument '10x' is invalid");
  });

  it('exits 2 for a group command without its subcommand', async () => {
    const io = memoryIo();
    expect(await runCli(argv('table'), io, fakeServices().factory)).toBe(2);
    expect(io.stderr()).toContain('create');
  });

  it('shows help with an example and exits 0', async () => {
    const io = memoryIo();
    expect(await runCli(argv('reap', '--help'), io, fakeServices().factory)).toBe(0);
    expect(io.stdout()).toContain('Example');
    expect(io.stdout()).toContain('--dry-run');
  });

  it('names a malformed setting and exits 1', async () => {
    const io = memoryIo({ CAR_QUOTA_RPS: 'fast' });
    expect(await runCli(argv('status'), io, fakeServices().factory)).toBe(1);
    expect(io.stderr()).toContain('CAR_QUOTA_RPS');
  });

  it('touch records the given ids at once; with no ids it is a usage error', async () => {
    const fakes = fakeServices();
    const io = memoryIo();
    expect(await runCli(argv('touch', 'u1', 'u2'), io, fakes.factory)).toBe(0);
    expect(fakes.touched).toEqual([['u1', 'u2']]);
    expect(io.stdout()).toBe('recorded activity for 2 users\n');
    const bad = memoryIo();
    expect(await runCli(argv('touch'), bad, fakes.factory)).toBe(2);
    expect(bad.stderr()).toContain("missing argument 'userId...'");
    expect(bad.stderr()).toContain('Usage: car-reaper touch [options] [userId...]');
    const both = memoryIo();
    expect(await runCli(argv('touch', 'u1', '--stdin'), both, fakes.factory)).toBe(2);
    expect(both.stderr()).toContain('not both');
    expect(both.stderr()).toContain('Usage: car-reaper touch');
  });

  it('disconnect records each id', async () => {
    const fakes = fakeServices();
    expect(await runCli(argv('disconnect', 'a', 'b'), memoryIo(), fakes.factory)).toBe(0);
    expect(fakes.disconnected).toEqual(['a', 'b']);
  });

  it('reap passes the flags to the engine in milliseconds and prints the summary as JSON', async () => {
    const fakes = fakeServices();
    const io = memoryIo();
    const args = argv(
      'reap',
      '--dry-run',
      '--idle-timeout',
      '60',
      '--max-age',
      '0',
      '--limit',
      '5',
      '--json',
    );
    expect(await runCli(args, io, fakes.factory)).toBe(0);
    expect(fakes.reaps[0]).toMatchObject({
      trigger: 'manual',
      dryRun: true,
      idleTimeoutMs: 60_000,
      maxAgeMs: 0,
      limit: 5,
    });
    expect(JSON.parse(io.stdout())).toEqual(summary());
  });

  it('reap exits 0 when the cycle ran, even with recorded failures', async () => {
    const io = memoryIo();
    expect(await runCli(argv('reap'), io, fakeServices().factory)).toBe(0);
    expect(io.stdout()).toMatch(/failed\s+1/);
  });

  it('draws a progress bar only when interactive', async () => {
    const tty = memoryIo({}, { interactive: true });
    await runCli(argv('reap'), tty, fakeServices().factory);
    expect(tty.redrawn.at(-1)).toContain('3/3  destroyed 2  failed 1');
    const pipe = memoryIo({}, { interactive: false });
    await runCli(argv('reap'), pipe, fakeServices().factory);
    expect(pipe.redrawn).toEqual([]);
    expect(pipe.stdout()).not.toContain('[');
  });

  it('exits 1 with the summary when CAR refused the credentials', async () => {
    const fakes = fakeServices({
      reap: () =>
        summary({
          stoppedAt: 'auth',
          error: { code: 'AuthFailure.SignatureFailure', message: 'bad' },
        }),
    });
    const io = memoryIo();
    expect(await runCli(argv('destroy', 'u1', '--json'), io, fakes.factory)).toBe(1);
    expect(JSON.parse(io.stdout()).stoppedAt).toBe('auth');
    expect(io.stderr()).toContain('AuthFailure.SignatureFailure');
    expect(fakes.reaps[0]?.userIds).toEqual(['u1']);
  });

  it('status reports the counts and says plainly that credentials are missing', async () => {
    const io = memoryIo();
    expect(await runCli(argv('status', '--json'), io, fakeServices().factory)).toBe(0);
    const report = JSON.parse(io.stdout());
    expect(report.sessions).toEqual({
      active: 5,
      disconnected: 1,
      reaping: 0,
      destroyed: 7,
      failed: 1,
    });
    expect(report.totalSessions).toBe(14);
    expect(report.car).toMatchObject({ reachable: false, reason: 'credentials' });
    expect(report.car.error).toContain('TENCENTCLOUD_SECRET_ID');
  });

  it('status says CAR is unreachable and still prints the table counts', async () => {
    const car: CarApi = {
      destroySession: async () => ({ ok: true, value: {} }),
      describeConcurrentCount: async () => ({
        ok: false,
        error: { class: 'retryable', code: 'NetworkError', message: 'connect ECONNREFUSED' },
      }),
    };
    const io = memoryIo();
    expect(await runCli(argv('status'), io, fakeServices({ car }).factory)).toBe(0);
    expect(io.stdout()).toMatch(/active\s+5/);
    expect(io.stdout()).toContain('CAR is unreachable at https://car.tencentcloudapi.com');
  });

  it('status shows CAR running of total seats when reachable', async () => {
    const car: CarApi = {
      destroySession: async () => ({ ok: true, value: {} }),
      describeConcurrentCount: async () => ({ ok: true, value: { running: 12, total: 100 } }),
    };
    const io = memoryIo();
    expect(await runCli(argv('status', '--json'), io, fakeServices({ car }).factory)).toBe(0);
    expect(JSON.parse(io.stdout()).car).toMatchObject({ reachable: true, running: 12, total: 100 });
  });
});
