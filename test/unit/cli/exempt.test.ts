import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../src/cli/program.js';
import type { Config } from '../../../src/config.js';
import { ConfigError } from '../../../src/errors.js';
import type { CliServices, ServicesFactory } from '../../../src/services.js';
import type {
  Exemption,
  ExemptionEntry,
  SessionStore,
} from '../../../src/sessions/session-store.js';
import { memoryIo } from '../../helpers/cli.js';

const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);

/** Fakes behind the CLI's services port: records exemptions and activity as asked. */
function fakeServices(recorded: string[] = ['booth-1', 'booth-2']) {
  const exempted: { userIds: string[]; exemption: Exemption }[] = [];
  const removed: string[][] = [];
  const touched: { ids: string[]; options: unknown }[] = [];
  const listing: ExemptionEntry[] = [
    { userId: 'old', state: 'active', until: NOW - 1000, reason: 'done', by: 'local:a@h' },
    {
      userId: 'booth-1',
      state: 'active',
      class: 'kiosk',
      until: NOW + 3_600_000,
      reason: 'trade fair',
      by: 'arn:aws:iam::1:user/ops',
      setAt: NOW - 60_000,
    },
  ];
  const store = {
    recordActivity: async (ids: readonly string[], _at: number, options: unknown) => {
      touched.push({ ids: [...ids], options });
    },
    counts: async () => ({ active: 2, disconnected: 0, reaping: 0, destroyed: 0, failed: 0 }),
  } as unknown as SessionStore;
  const factory: ServicesFactory = (config: Config): CliServices => ({
    config,
    ensureTable: async () => ({ created: false }),
    store: () => store,
    exemptions: () => ({
      setExemption: async (userIds, exemption) => {
        exempted.push({ userIds: [...userIds], exemption });
        return { missing: userIds.filter((id) => !recorded.includes(id)) };
      },
      removeExemption: async (userIds) => {
        removed.push([...userIds]);
        return { removed: userIds.filter((id) => id === 'booth-1') };
      },
      listExemptions: async () => listing,
    }),
    callerIdentity: async () => 'local:ops@desk',
    car: () => {
      throw new ConfigError('TENCENTCLOUD_SECRET_ID', 'is required to call CAR');
    },
    reaper: () => {
      throw new Error('not used');
    },
    close: async () => {},
  });
  return { factory, exempted, removed, touched };
}

const argv = (...args: string[]) => ['node', 'car-reaper', ...args];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterEach(() => vi.useRealTimers());

describe('Command: exempt', () => {
  it('records the end, the reason and who set it', async () => {
    const io = memoryIo();
    const services = fakeServices();
    const status = await runCli(
      argv('exempt', 'booth-1', 'booth-2', '--until', '2026-11-30T13:00Z', '--reason', 'demo'),
      io,
      services.factory,
    );
    expect(status).toBe(0);
    expect(services.exempted).toEqual([
      {
        userIds: ['booth-1', 'booth-2'],
        exemption: { until: NOW + 3_600_000, reason: 'demo', by: 'local:ops@desk', at: NOW },
      },
    ]);
    expect(io.stdout()).toBe(
      'exempted 2 sessions until 2026-11-30T13:00:00.000Z (set by local:ops@desk)\n',
    );
  });

  it.each([
    ['without --until', ['--reason', 'demo'], '--until: is required'],
    [
      'with a time in the past',
      ['--until', '2026-11-30T11:59:59Z', '--reason', 'x'],
      'must be in the future',
    ],
    [
      'with the time now',
      ['--until', '2026-11-30T12:00:00Z', '--reason', 'x'],
      'must be in the future',
    ],
    ['with a time without a zone', ['--until', '2026-12-01T12:00', '--reason', 'x'], 'with a zone'],
    ['with a time that is no date', ['--until', 'friday', '--reason', 'x'], 'ISO-8601'],
    ['without --reason', ['--until', '2026-12-01T12:00Z'], '--reason: is required'],
  ])('exits 2 %s, writing nothing', async (_, flags, message) => {
    const io = memoryIo();
    const services = fakeServices();
    expect(await runCli(argv('exempt', 'booth-1', ...flags), io, services.factory)).toBe(2);
    expect(io.stderr()).toContain(message);
    expect(services.exempted).toEqual([]);
  });

  it('exits 2 naming the user ids that have no session recorded', async () => {
    const io = memoryIo();
    const services = fakeServices(['booth-1']);
    const status = await runCli(
      argv('exempt', 'booth-1', 'ghost', '--until', '2026-12-01T00:00Z', '--reason', 'x'),
      io,
      services.factory,
    );
    expect(status).toBe(2);
    expect(io.stdout()).toContain('exempted 1 session until');
    expect(io.stderr()).toContain('no session recorded for "ghost"');
  });

  it('lists who, until when, why and by whom, as JSON', async () => {
    const io = memoryIo();
    expect(await runCli(argv('exempt', '--list', '--json'), io, fakeServices().factory)).toBe(0);
    expect(JSON.parse(io.stdout())).toEqual({
      exemptions: [
        {
          userId: 'old',
          class: 'default',
          state: 'active',
          until: '2026-11-30T11:59:59.000Z',
          inForce: false,
          reason: 'done',
          by: 'local:a@h',
          setAt: null,
        },
        {
          userId: 'booth-1',
          class: 'kiosk',
          state: 'active',
          until: '2026-11-30T13:00:00.000Z',
          inForce: true,
          reason: 'trade fair',
          by: 'arn:aws:iam::1:user/ops',
          setAt: '2026-11-30T11:59:00.000Z',
        },
      ],
    });
  });

  it('lists as a table on a terminal', async () => {
    const io = memoryIo();
    expect(await runCli(argv('exempt', '--list'), io, fakeServices().factory)).toBe(0);
    expect(io.stdout()).toMatch(/^user +class +until +status +reason +set by$/m);
    expect(io.stdout()).toMatch(/^booth-1 +kiosk +2026-11-30T13:00:00.000Z +in force +trade fair/m);
    expect(io.stdout()).toMatch(/^old +default .* ended +done/m);
  });

  it('removes exemptions and says which user ids had none', async () => {
    const io = memoryIo();
    const services = fakeServices();
    const status = await runCli(argv('exempt', '--remove', 'booth-1', 'x'), io, services.factory);
    expect(status).toBe(0);
    expect(services.removed).toEqual([['booth-1', 'x']]);
    expect(io.stdout()).toBe('removed 1 exemption; none recorded for "x"\n');
  });

  it('exits 2 for --list with user ids and for --remove with --until', async () => {
    expect(await runCli(argv('exempt', '--list', 'u'), memoryIo(), fakeServices().factory)).toBe(2);
    const remove = argv('exempt', '--remove', 'u', '--until', '2026-12-01T00:00Z');
    expect(await runCli(remove, memoryIo(), fakeServices().factory)).toBe(2);
  });
});

describe('Command: status', () => {
  it('shows how many exemptions are in force and the soonest end', async () => {
    const io = memoryIo();
    expect(await runCli(argv('status', '--json'), io, fakeServices().factory)).toBe(0);
    expect(JSON.parse(io.stdout()).exemptions).toEqual({
      active: 1,
      soonestEnd: '2026-11-30T13:00:00.000Z',
    });
  });
});

describe('Command: touch --class', () => {
  it('exits 2 for a class the policies do not define, recording nothing', async () => {
    const io = memoryIo();
    const services = fakeServices();
    expect(await runCli(argv('touch', '--class', 'kiosk', 'u-1'), io, services.factory)).toBe(2);
    expect(io.stderr()).toContain('--class: unknown class "kiosk"');
    expect(services.touched).toEqual([]);
  });

  it('passes a known class to the store', async () => {
    const services = fakeServices();
    const io = memoryIo();
    expect(await runCli(argv('touch', '--class', 'default', 'u-1'), io, services.factory)).toBe(0);
    expect(services.touched).toEqual([{ ids: ['u-1'], options: { class: 'default' } }]);
  });
});
