import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type LiveSnapshot,
  LiveView,
  renderLiveBlock,
  renderLiveLine,
} from '../../../src/local/live-view.js';
import { VirtualTerminal } from '../../helpers/virtual-terminal.js';

const snapshot = (overrides: Partial<LiveSnapshot> = {}): LiveSnapshot => ({
  uptimeSeconds: 12,
  sessions: { active: 700, disconnected: 20, reaping: 5, destroyed: 1200, failed: 1 },
  destroysLastSecond: 97,
  quotaRps: 100,
  throttled: 0,
  car: { running: 760, total: 2500 },
  reapsDone: 3,
  reaping: true,
  destroyedTotal: 1200,
  ...overrides,
});

/** The widest figures the demo reaches, and more. */
const busy = snapshot({
  uptimeSeconds: 86_400,
  sessions: {
    active: 1_234_567,
    disconnected: 123_456,
    reaping: 10_000,
    destroyed: 12_345_678,
    failed: 99_999,
  },
  destroysLastSecond: 100,
  throttled: 12_345,
  car: { running: 1_234_567, total: 2_000_000 },
  reapsDone: 17_280,
  destroyedTotal: 12_345_678,
  drift: { carRunning: 1_234_567, tracked: 1_133_456, untracked: 101_111 },
  idleSeatSeconds: 987_654_321,
});

const reapLine =
  'reap #12: 2,000 candidates, 1,950 destroyed, 50 skipped, 0 failed or retried, 97.1/s in 20.1 s';

describe('Function: renderLiveLine', () => {
  it('shows sessions by state, destroys against the quota, throttles and CAR running', () => {
    expect(renderLiveLine(snapshot())).toBe(
      't=12s  active 700  disconnected 20  reaping 5  destroyed 1,200  failed 1  ' +
        'destroys 97/100/s  throttled 0  CAR running 760/2,500  reaps 3 (reaping)',
    );
  });

  it('adds the drift and the idle seat time when it has them', () => {
    const line = renderLiveLine(
      snapshot({
        drift: { carRunning: 760, tracked: 720, untracked: 40 },
        idleSeatSeconds: 3600.4,
      }),
    );
    expect(line).toMatch(/reaps 3 \(reaping\) {2}untracked 40 {2}idle seat 3,600 s$/);
    const block = renderLiveBlock(
      snapshot({ drift: { carRunning: 760, tracked: 720, untracked: 40 }, idleSeatSeconds: 12 }),
      80,
    );
    expect(block).toContain('drift     tracked 720 of 760 running, untracked 40  idle seat 12 s');
    expect(block.every((text) => text.length <= 80 || !text.startsWith('drift'))).toBe(true);
  });

  it("adds what the demo's clients received: warnings, answers and destroys", () => {
    const events = { warned: 1500, answered: 740, reaped: 760 };
    expect(renderLiveLine(snapshot({ events }))).toMatch(
      /reaps 3 \(reaping\) {2}warned 1,500 {2}answered 740 {2}reaped 760$/,
    );
    expect(renderLiveBlock(snapshot({ events }), 80)).toContain(
      'clients   warned 1,500  answered 740  reaped 760',
    );
  });

  it('says why CAR is unknown', () => {
    expect(renderLiveLine(snapshot({ car: { error: 'NetworkError' } }))).toContain(
      'CAR ? (NetworkError)',
    );
  });
});

describe('Function: renderLiveBlock', () => {
  it.each([40, 80, 120])('keeps every line short of the last column at %i columns', (columns) => {
    for (const s of [
      snapshot(),
      busy,
      snapshot({ car: { error: 'AuthFailure.SecretIdNotFound' } }),
    ]) {
      const lines = renderLiveBlock(s, columns);
      for (const line of lines) expect(line.length).toBeLessThan(columns);
    }
  });

  it('keeps every line inside any width, whatever the figures', () => {
    const count = fc.integer({ min: 0, max: 2_000_000_000 });
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 240 }),
        fc.record({
          active: count,
          disconnected: count,
          reaping: count,
          destroyed: count,
          failed: count,
        }),
        count,
        count,
        fc.boolean(),
        (columns, sessions, big, other, reaping) => {
          const s = snapshot({
            sessions,
            uptimeSeconds: big,
            reapsDone: other,
            reaping,
            throttled: other,
            destroyedTotal: big,
            car: { running: other, total: big },
            drift: { carRunning: other, tracked: big, untracked: other },
            idleSeatSeconds: big,
          });
          for (const line of renderLiveBlock(s, columns)) expect(line.length).toBeLessThan(columns);
        },
      ),
    );
  });

  it('shows the destroys against the quota over the last second, with a bar, at 80 columns', () => {
    const lines = renderLiveBlock(snapshot(), 80);
    expect(lines).toEqual([
      'car-reaper local  up 12s  reaps 3  (reaping now)',
      'sessions  active 700  disconnected 20  reaping 5  destroyed 1,200  failed 1',
      `destroys  [${'#'.repeat(39)}.] 97/100 in the last second`,
      '          1,200 since start  0 throttled by CAR',
      `CAR       [${'#'.repeat(12)}${'.'.repeat(28)}] running 760 of 2,500 seats`,
      'Ctrl-C stops everything',
    ]);
  });

  it('wraps the sessions onto more lines rather than cutting them, at 40 columns', () => {
    const lines = renderLiveBlock(snapshot(), 40);
    expect(lines.join('\n')).toContain('disconnected 20');
    expect(lines.join('\n')).toContain('failed 1');
    expect(lines).toContain('destroys  97/100 in the last second');
  });
});

/** A view drawing onto a virtual terminal, checking the screen after every single write. */
function viewOn(columns: number, afterEachWrite: (screen: string[]) => void) {
  const terminal = new VirtualTerminal(columns);
  let writes = 0;
  const view = new LiveView(
    (text) => {
      terminal.write(text);
      writes++;
      afterEachWrite(terminal.screen());
    },
    true,
    () => columns,
  );
  return { terminal, view, writes: () => writes };
}

describe('Class: LiveView', () => {
  it('writes a line per tick without control codes when not on a terminal', () => {
    const written: string[] = [];
    const view = new LiveView((text) => written.push(text), false);
    view.draw(snapshot());
    view.message('reap #4: done');
    view.draw(snapshot());
    expect(written.join('')).not.toContain('\u001b');
    expect(written).toHaveLength(3);
  });

  it.each([40, 80, 120])(
    'at %i columns: redraws in place, one header on screen, the panel under every log line',
    (columns) => {
      const frames = [snapshot(), busy, snapshot({ reaping: false }), busy];
      const panelOf = (s: LiveSnapshot) => renderLiveBlock(s, columns);
      let current: string[] = [];
      const { terminal, view, writes } = viewOn(columns, (screen) => {
        // After any write, the panel is whole at the bottom and the header is on screen once.
        expect(screen.slice(-current.length)).toEqual(current);
        expect(screen.filter((row) => row.startsWith('car-reaper local'))).toHaveLength(1);
      });

      for (const [i, frame] of frames.entries()) {
        current = panelOf(frame);
        view.draw(frame);
        view.message(`${reapLine} (${i})`);
      }

      expect(writes()).toBe(frames.length * 2);
      const screen = terminal.screen();
      const logRows = screen.slice(0, screen.length - current.length).join('');
      // Log lines longer than the terminal wrap above the panel; all four are there, in order.
      const order = [0, 1, 2, 3].map((i) => logRows.indexOf(`(${i})`));
      expect(order.every((at) => at >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    },
  );

  it('puts a message above the panel and draws the panel again in the same write', () => {
    const written: string[] = [];
    const view = new LiveView(
      (text) => written.push(text),
      true,
      () => 80,
    );
    view.draw(snapshot());
    view.message('reap #4: done');
    expect(written).toHaveLength(2);
    expect(written[1]?.startsWith('\u001b[6A\rreap #4: done\u001b[K\n\rcar-reaper local')).toBe(
      true,
    );
    expect(written[1]).toContain('Ctrl-C stops everything');
  });

  it('writes a message plainly before the first frame', () => {
    const written: string[] = [];
    const view = new LiveView(
      (text) => written.push(text),
      true,
      () => 80,
    );
    view.message('starting');
    expect(written).toEqual(['starting\n']);
  });
});
