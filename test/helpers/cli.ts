import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../../src/cli/io.js';

/** An in-memory {@link CliIo}: what a command wrote, and a chosen environment. */
export function memoryIo(
  env: Record<string, string | undefined> = {},
  options: { interactive?: boolean } = {},
): CliIo & { stdout: () => string; stderr: () => string; redrawn: string[] } {
  let stdout = '';
  let stderr = '';
  const redrawn: string[] = [];
  return {
    out: (text) => {
      stdout += text;
    },
    err: (text) => {
      stderr += text;
    },
    env,
    interactive: options.interactive ?? false,
    columns: 100,
    redraw: (line) => {
      if (options.interactive) redrawn.push(line);
    },
    stdout: () => stdout,
    stderr: () => stderr,
    redrawn,
  };
}

/** The repository root and the CLI entry the package's `bin` points at. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const binPath = fileURLToPath(new URL('../../bin/car-reaper.js', import.meta.url));

const distMain = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const buildLock = fileURLToPath(new URL('../../dist/.build-lock', import.meta.url));

/** Newest modification time of the files the bundle is built from. */
function newestSource(dir = join(repoRoot, 'src')): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const isFresh = () => existsSync(distMain) && statSync(distMain).mtimeMs >= newestSource();

/**
 * Builds dist/ (the bin runs the bundle) unless it is newer than every source
 * file: `npm test` has built it already (pretest); a direct `vitest run` may
 * not have. Test files run in parallel, so one builds under a lock file and
 * the others wait for it rather than read a half-written bundle.
 */
export async function buildCli(): Promise<void> {
  if (isFresh()) return;
  mkdirSync(dirname(buildLock), { recursive: true });
  let fd: number | undefined;
  try {
    fd = openSync(buildLock, 'wx');
  } catch {
    const deadline = Date.now() + 60_000;
    while (existsSync(buildLock) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (isFresh()) return;
    rmSync(buildLock, { force: true });
    return buildCli();
  }
  try {
    const result = await runNode([join(repoRoot, 'scripts/build.mjs')], {});
    if (result.status !== 0) throw new Error(`build failed: ${result.stderr}`);
  } finally {
    closeSync(fd);
    rmSync(buildLock, { force: true });
  }
}

/** What a finished CLI process left. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

async function runNode(
  args: readonly string[],
  env: Record<string, string | undefined>,
  input?: string,
): Promise<CliResult> {
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: cliEnv(env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  child.stdin.end(input ?? '');
  const status = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  return { status, stdout: output.stdout(), stderr: output.stderr() };
}

/** Everything a child process has printed so far, on each stream. */
function collectOutput(child: ChildProcess): { stdout(): string; stderr(): string } {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return { stdout: () => stdout, stderr: () => stderr };
}

/**
 * The environment a CLI subprocess gets: PATH and the AWS test keys of this
 * run, `CI=1` (no progress bars), none of the caller's car-reaper settings,
 * then `env` on top.
 */
export function cliEnv(env: Record<string, string | undefined>): Record<string, string> {
  const base: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    JAVA_HOME: process.env.JAVA_HOME,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    CI: '1',
  };
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...base, ...env })) {
    if (value !== undefined) merged[name] = value;
  }
  return merged;
}

/** Runs `car-reaper ...args` as a subprocess to completion. */
export function runCarReaper(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  input?: string,
): Promise<CliResult> {
  return runNode([binPath, ...args], env, input);
}

/** A long-running `car-reaper` subprocess (serve, emulator, local). */
export interface RunningCli {
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the match once stdout has a line matching `pattern` (at least `count` times). */
  waitFor(
    pattern: RegExp,
    options?: { count?: number; timeoutMs?: number },
  ): Promise<RegExpMatchArray[]>;
  /** Sends `signal` and resolves with the exit status (or the signal that ended it). */
  stop(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals | null>;
}

/**
 * Starts `car-reaper ...args` and leaves it running. With `processGroup`, it
 * leads a process group and `stop` signals the whole group, as Ctrl-C in a
 * terminal signals every process of the foreground job.
 */
export function startCarReaper(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  options: { processGroup?: boolean } = {},
): RunningCli {
  const child = spawn(process.execPath, [binPath, ...args], {
    cwd: repoRoot,
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.processGroup === true,
  });
  const { stdout, stderr } = collectOutput(child);
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  return {
    pid: child.pid ?? -1,
    stdout,
    stderr,
    async waitFor(pattern, { count = 1, timeoutMs = 30_000 } = {}) {
      const global = new RegExp(
        pattern.source,
        pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`,
      );
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const matches = [...stdout().matchAll(global)];
        if (matches.length >= count) return matches;
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `car-reaper exited before printing ${pattern}\nstdout:\n${stdout()}\nstderr:\n${stderr()}`,
          );
        }
        if (Date.now() > deadline) {
          throw new Error(
            `no ${pattern} within ${timeoutMs} ms\nstdout:\n${stdout()}\nstderr:\n${stderr()}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop(signal = 'SIGINT') {
      if (child.exitCode === null && child.signalCode === null) {
        if (options.processGroup && child.pid !== undefined) process.kill(-child.pid, signal);
        else child.kill(signal);
      }
      return exited;
    },
  };
}

/** Whether a process with this pid still exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
