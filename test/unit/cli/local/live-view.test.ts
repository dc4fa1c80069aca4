import { describe, expect, it } from 'vitest';
import {
  type LiveSnapshot,
  LiveView,
  renderLiveBlock,
  renderLiveLine,
} from '../../../../src/local/live-view.js';

const snapshot = (overrides: Partial<LiveSnapshot> = {}): LiveSnapshot => ({
  uptimeSeconds: 12,
  sessions: { active: 700, disconnected: 20, reaping: 5, destroyed: 1200, failed: 1 },
  destroysPerSecond: 97.6,
  quotaRps: 100,
  car: { running: 760, total: 2500 },
  reapsDone: 3,
  reaping: true,
  destroyedTotal: 1200,
  ...overrides,
});

describe('Function: renderLiveLine', () => {
  it('shows sessions by state, destroys against the quota and CAR running', () => {
    expect(renderLiveLine(snapshot())).toBe(
      't=12s  active 700  disconnected 20  reaping 5  destroyed 1,200  failed 1  ' +
        'destroys 98/100/s  CAR running 760/2,500  reaps 3 (reaping)',
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

  it('says why CAR is unknown', () => {
    expect(renderLiveLine(snapshot({ car: { error: 'NetworkError' } }))).toContain(
      'CAR ? (NetworkError)',
    );
  });
});

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

  it('redraws the block in place on a terminal, and clears it before a message', () => {
    const written: string[] = [];
    const view = new LiveView((text) => written.push(text), true);
    view.draw(snapshot());
    expect(written[0]).not.toContain('\u001b[5A');
    view.draw(snapshot());
    expect(written[1]?.startsWith('\u001b[5A')).toBe(true);
    view.message('reap #4: done');
    expect(written[2]).toBe('\u001b[5A\r\u001b[J');
    expect(written[3]).toBe('reap #4: done\n');
  });
});
