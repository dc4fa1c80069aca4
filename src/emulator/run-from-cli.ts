import { type CarEmulator, startCarEmulator } from './car-emulator.js';

/** Options of {@link runEmulatorFromCli}, as `car-reaper emulator [--port P] [--rate N]` parses them. */
export interface EmulatorCliOptions {
  /** @default 9000 */
  port?: number;
  /** DestroySession (and CreateSession) quota per second. @default 100 */
  rate?: number;
  /** Where the key pair comes from. @default process.env */
  env?: Record<string, string | undefined>;
  /** Where the `listening on` line goes. @default process.stdout */
  write?: (line: string) => void;
}

/**
 * Starts the emulator for `car-reaper emulator` with the key pair of the
 * environment, and prints `listening on http://127.0.0.1:<port>` once it
 * accepts connections. Throws a ConfigError naming TENCENTCLOUD_SECRET_ID or
 * _KEY when missing, and a ValidationError naming `rate.*` for a bad rate.
 * The caller stops it (e.g. on SIGINT) with `stop()`.
 */
export async function runEmulatorFromCli(options: EmulatorCliOptions = {}): Promise<CarEmulator> {
  const emulator = await startCarEmulator({
    port: options.port ?? 9000,
    env: options.env ?? process.env,
    ...(options.rate === undefined ? {} : { rate: options.rate }),
  });
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  write(`listening on ${emulator.url}\n`);
  return emulator;
}
