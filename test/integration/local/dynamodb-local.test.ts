import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../../src/local/dynamodb-local.js';

const environOf = (pid: number): Record<string, string> =>
  Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );

/** Whether `pid` runs (a zombie waiting to be reaped does not). */
const running = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('startDynamoDbLocal', () => {
  let started: DynamoDbLocal | undefined;
  afterEach(async () => {
    await started?.stop();
    started = undefined;
  });

  it('runs the JVM with its options and telemetry off, leaving this process environment as it was', async () => {
    const before = { ...process.env };
    started = await startDynamoDbLocal({ jvmOptions: ['-XX:+UseSerialGC', '-Xmx300m'] });
    const environ = environOf(started.pid as number);
    expect(environ.JDK_JAVA_OPTIONS?.split(' ').slice(0, 2)).toEqual([
      '-XX:+UseSerialGC',
      '-Xmx300m',
    ]);
    expect(environ.DDB_LOCAL_TELEMETRY).toBe('0');
    const args = readFileSync(`/proc/${started.pid}/cmdline`, 'utf8').split('\0');
    expect(args).toContain('-disableTelemetry');
    expect(process.env).toEqual(before);
  });

  it('fails with the JVM error when an option is not one the JVM knows', async () => {
    await expect(startDynamoDbLocal({ jvmOptions: ['-XX:+NoSuchCarReaperFlag'] })).rejects.toThrow(
      /DynamoDB Local exited .*NoSuchCarReaperFlag/s,
    );
  });

  it('does not leave the JVM running when its parent is killed with SIGKILL', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/hold-dynamodb-local.ts', import.meta.url));
    const parent = spawn(process.execPath, ['--import', 'tsx', fixture], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => parent.once('exit', resolve));
    const javaPid = await new Promise<number>((resolve, reject) => {
      createInterface({ input: parent.stdout }).once('line', (line) => resolve(Number(line)));
      parent.once('exit', (code) => reject(new Error(`the parent exited with ${code}`)));
    });
    expect(running(javaPid)).toBe(true);

    parent.kill('SIGKILL');
    await exited;

    // The watchdog looks once a second.
    await expect.poll(() => running(javaPid), { timeout: 10_000, interval: 100 }).toBe(false);
  });
});
