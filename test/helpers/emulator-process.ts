import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EmulatorOptions } from '../../src/emulator/index.js';

const here = dirname(fileURLToPath(import.meta.url));

/** One DestroySession arrival at the emulator. */
export interface DestroyCall {
  at: number;
  code?: string;
  userId?: string;
  outcome: string;
}

/** A CAR emulator running in a child process (see emulator-child.ts). */
export interface EmulatorProcess {
  url: string;
  /** DestroySession arrivals, as the emulator counted them. */
  calls(): Promise<DestroyCall[]>;
  /** DestroySession calls answered with success so far. */
  destroyed(): Promise<number>;
  /** UserIds of the live sessions. */
  liveSessions(): Promise<string[]>;
  seed(userIds: string[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startEmulatorProcess(options: EmulatorOptions): Promise<EmulatorProcess> {
  const child: ChildProcess = fork(join(here, 'emulator-child.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, CAR_EMULATOR_CHILD_OPTIONS: JSON.stringify(options) },
    serialization: 'advanced',
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { ready?: string }) => {
      if (message.ready) resolve(message.ready);
    });
    child.once('exit', (code) => reject(new Error(`emulator process exited (${code})`)));
  });
  let next = 0;
  const ask = <T>(command: string, extra: object = {}): Promise<T> =>
    new Promise((resolve) => {
      const id = next++;
      const onMessage = (message: { id?: number; value?: unknown }) => {
        if (message.id !== id) return;
        child.off('message', onMessage);
        resolve(message.value as T);
      };
      child.on('message', onMessage);
      child.send({ id, command, ...extra });
    });
  return {
    url,
    calls: () => ask('calls'),
    destroyed: () => ask('destroyed'),
    liveSessions: () => ask('live'),
    seed: async (userIds) => {
      await ask('seed', { userIds });
    },
    stop: async () => {
      await ask('stop');
    },
  };
}
