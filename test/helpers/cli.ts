import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
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

/** Builds dist/ (the bin runs the bundle) unless a build is already there and `fresh` is false. */
export async function buildCli(): Promise<void> {
  const { status, stderr } = await runNode(
    [fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url))],
    {},
  );
  if (status !== 0) throw new Error(`build failed: ${stderr}`);
  if (!existsSync(new URL('../../dist/cli/main.js', import.meta.url))) {
    throw new Error('build did not produce dist/cli/main.js');
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
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin.end(input ?? '');
  const status = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  return { status, stdout, stderr };
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
