import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReaperStack, startReaperStack } from './reaper-stack.js';

const dir = mkdtempSync(join(tmpdir(), 'car-reaper-classes-'));
const policies = join(dir, 'policies.yml');
writeFileSync(policies, 'classes:\n  kiosk:\n    idleTimeoutSeconds: 3600\n');
// Resolution 0: the reaper's allowance for coalesced activity (30 s by default) would
// otherwise keep a session 12 s idle out of reach of a 10 s timeout.
const env = {
  IDLE_TIMEOUT_SECONDS: '10',
  ACTIVITY_RESOLUTION_SECONDS: '0',
  POLICIES_FILE: policies,
};

const ids = (prefix: string, n = 5) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const plain = ids('plain');
const exemptHour = ids('exempt-hour');
const exemptEnded = ids('exempt-ended');
const kiosk = ids('kiosk');

let stack: ReaperStack;
beforeAll(async () => {
  stack = await startReaperStack();
  // Every session last active 12 s ago: idle by the default 10 s, not by the kiosk's hour.
  const lastActive = Date.now() - 12_000;
  await stack.table.store.recordActivity([...plain, ...exemptHour, ...exemptEnded], lastActive);
  await stack.table.store.recordActivity(kiosk, lastActive, { class: 'kiosk' });
  const by = 'local:ops@desk';
  await stack.table.store.setExemption(exemptHour, {
    until: lastActive + 3_600_000,
    reason: 'demo booth',
    by,
    at: lastActive,
  });
  // Ended 6 s after the last activity, 6 s ago.
  await stack.table.store.setExemption(exemptEnded, {
    until: lastActive + 6_000,
    reason: 'short',
    by,
    at: lastActive,
  });
  stack.emulator.seedSessions([...plain, ...exemptHour, ...exemptEnded, ...kiosk]);
});
afterAll(async () => {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Reaper: session classes and exemptions', () => {
  it('a dry run lists each would-be destroy with its class and reason, and counts exempt skips', async () => {
    const runtime = stack.runtime({ budgetMode: 'local' }, env);
    const summary = await runtime.reaper.reap({ trigger: 'manual', dryRun: true });
    const listed = summary.wouldDestroySessions ?? [];
    expect(listed.map((s) => s.userId).sort()).toEqual([...plain, ...exemptEnded].sort());
    expect(listed.every((s) => s.class === 'default' && s.reason === 'idle')).toBe(true);
    expect(summary.skippedExempt).toBe(exemptHour.length);
    expect(stack.emulator.liveSessions()).toHaveLength(20);
  });

  it('after 12 s idle, one reap destroys the default sessions but the exempt ones, those whose exemption ended, and no kiosk', async () => {
    const runtime = stack.runtime({ budgetMode: 'local' }, env);
    const summary = await runtime.reaper.reap({ trigger: 'schedule' });
    expect(summary).toMatchObject({ destroyed: 10, failed: 0, skippedExempt: exemptHour.length });
    expect(stack.emulator.liveSessions().sort()).toEqual([...exemptHour, ...kiosk].sort());
    for (const userId of [...plain, ...exemptEnded]) {
      expect((await stack.table.store.get(userId))?.state).toBe('destroyed');
    }
    for (const userId of [...exemptHour, ...kiosk]) {
      expect((await stack.table.store.get(userId))?.state).toBe('active');
    }
  });

  it('a destroy by name leaves an exempt session alone until its exemption ends', async () => {
    const runtime = stack.runtime({ budgetMode: 'local' }, env);
    const [first] = exemptHour;
    if (!first) throw new Error('no session');
    const summary = await runtime.reaper.reap({ trigger: 'manual', userIds: [first] });
    expect(summary).toMatchObject({ claimed: 0, destroyed: 0, skipped: 1 });
    expect(stack.emulator.liveSessions()).toContain(first);
  });
});
