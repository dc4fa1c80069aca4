import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type ReaperStack, startReaperStack } from './reaper-stack.js';

const here = dirname(fileURLToPath(import.meta.url));
const LEASE_MS = 2000;

let stack: ReaperStack | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await stack?.stop();
  stack = undefined;
});

/** Resolves once the child reports `destroyed` >= n; rejects if it exits first. */
function waitForProgress(proc: ChildProcess, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    proc.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    proc.stdout?.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^progress (\d+)$/.exec(line);
        if (match && Number(match[1]) >= n) resolve();
      }
    });
    proc.on('exit', (code) => reject(new Error(`reap child exited (${code}) early: ${stderr}`)));
  });
}

describe('Reaper: a process killed mid-run', () => {
  it('loses nothing: after the lease expires, a new run finishes every session', async () => {
    stack = await startReaperStack({ rate: 200 });
    const ids = await stack.seedStale(300);
    child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'reap-child.ts')], {
      env: { ...process.env, ...stack.env, CAR_QUOTA_RPS: '200', REAP_LEASE_MS: String(LEASE_MS) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await waitForProgress(child, 60);
    child.kill('SIGKILL');
    await new Promise((resolve) => child?.once('exit', resolve));

    const afterCrash = await stack.table.store.counts();
    // Progress counts a destroy when CAR answers, a little before its outcome is written.
    expect(afterCrash.destroyed).toBeGreaterThan(0);
    expect(afterCrash.destroyed).toBeLessThan(300);
    // Claims the dead process held stay `reaping` until their lease ends.
    expect(afterCrash.reaping).toBeGreaterThan(0);

    // The next run, once the leases have expired ("later" via the clock, not by sleeping).
    const runtime = stack.runtime(
      { clock: () => Date.now() + LEASE_MS + 1000 },
      { CAR_QUOTA_RPS: '1000', CAR_CONCURRENCY: '32' },
    );
    const summary = await runtime.reaper.reap({ trigger: 'schedule' });

    expect(summary.failed).toBe(0);
    expect(await stack.table.store.counts()).toMatchObject({
      destroyed: 300,
      reaping: 0,
      active: 0,
    });
    expect(stack.emulator.liveSessions()).toEqual([]);
    for (const id of [ids[0], ids[299]]) {
      expect((await stack.table.store.get(id as string))?.state).toBe('destroyed');
    }
  });
});
