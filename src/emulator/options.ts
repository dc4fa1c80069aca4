import type { Clock } from '../clock.js';
import { ConfigError, ValidationError } from '../errors.js';
import {
  type FaultOptions,
  type LatencyOptions,
  type Random,
  validateFaults,
  validateLatency,
} from './faults.js';
import type { EmulatorCredentials } from './verify-request.js';

/** The CAR actions the emulator speaks. */
export const emulatedActions = [
  'CreateSession',
  'DestroySession',
  'DescribeConcurrentCount',
] as const;
export type EmulatedAction = (typeof emulatedActions)[number];

/** CAR's published per-second quotas. */
export const defaultRates: Readonly<Record<EmulatedAction, number>> = {
  CreateSession: 100,
  DestroySession: 100,
  DescribeConcurrentCount: 20,
};

/** Settings that {@link CarEmulator.configure} can change while it runs. */
export interface EmulatorSettings {
  /** Key pair it accepts. @default TENCENTCLOUD_SECRET_ID / _KEY / _SESSION_TOKEN from `env` */
  credentials: EmulatorCredentials;
  /**
   * Requests per sliding second, per action. A number sets CreateSession and
   * DestroySession (the `--rate` of the CLI) and keeps DescribeConcurrentCount at 20.
   * @default { CreateSession: 100, DestroySession: 100, DescribeConcurrentCount: 20 }
   */
  rate: number | Partial<Record<EmulatedAction, number>>;
  /** Concurrency seats: DescribeConcurrentCount's Total; CreateSession fails beyond it. @default 100 */
  seats: number;
  /** Answer latency, applied after the arrival is counted. @default none */
  latency?: LatencyOptions;
  /** Injected faults. @default none */
  faults: FaultOptions;
  /** Largest accepted distance between X-TC-Timestamp and the emulator's clock. @default 300 */
  maxSkewSeconds: number;
  /** Time for the quota window and the signature expiry. @default Date.now */
  clock: Clock;
  /** Random source of faults and latency. @default Math.random */
  random: Random;
}

/** Options of {@link startCarEmulator}. */
export interface EmulatorOptions extends Partial<Omit<EmulatorSettings, 'credentials'>> {
  /** @default 0 (any free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default from `env` */
  credentials?: EmulatorCredentials;
  /** Where default credentials come from. @default process.env */
  env?: Record<string, string | undefined>;
}

/** The quota of each action under a `rate` setting. */
export function ratesOf(rate: EmulatorSettings['rate']): Record<EmulatedAction, number> {
  const rates =
    typeof rate === 'number'
      ? { ...defaultRates, CreateSession: rate, DestroySession: rate }
      : { ...defaultRates, ...rate };
  for (const [action, value] of Object.entries(rates)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new ValidationError(`rate.${action}`, `must be an integer >= 1, got ${value}`);
    }
  }
  return rates;
}

/** Checks a (partial) set of settings; throws a {@link ValidationError} naming the field. */
export function validateSettings(settings: Partial<EmulatorSettings>): void {
  if (settings.rate !== undefined) ratesOf(settings.rate);
  if (settings.seats !== undefined && (!Number.isInteger(settings.seats) || settings.seats < 0)) {
    throw new ValidationError('seats', `must be an integer >= 0, got ${settings.seats}`);
  }
  if (settings.maxSkewSeconds !== undefined && !(settings.maxSkewSeconds >= 0)) {
    throw new ValidationError('maxSkewSeconds', `must be >= 0, got ${settings.maxSkewSeconds}`);
  }
  if (settings.faults) validateFaults(settings.faults);
  if (settings.latency) validateLatency(settings.latency);
  if (settings.credentials) {
    if (!settings.credentials.secretId)
      throw new ValidationError('credentials.secretId', 'is required');
    if (!settings.credentials.secretKey)
      throw new ValidationError('credentials.secretKey', 'is required');
  }
}

/** Full settings from options, filling the defaults; throws on a missing key pair. */
export function resolveSettings(options: EmulatorOptions): EmulatorSettings {
  const env = options.env ?? process.env;
  let credentials = options.credentials;
  if (!credentials) {
    const secretId = env.TENCENTCLOUD_SECRET_ID?.trim();
    const secretKey = env.TENCENTCLOUD_SECRET_KEY?.trim();
    if (!secretId)
      throw new ConfigError('TENCENTCLOUD_SECRET_ID', 'is required by the CAR emulator');
    if (!secretKey)
      throw new ConfigError('TENCENTCLOUD_SECRET_KEY', 'is required by the CAR emulator');
    const sessionToken = env.TENCENTCLOUD_SESSION_TOKEN?.trim() || undefined;
    credentials = { secretId, secretKey, ...(sessionToken ? { sessionToken } : {}) };
  }
  const settings: EmulatorSettings = {
    credentials,
    rate: options.rate ?? { ...defaultRates },
    seats: options.seats ?? 100,
    latency: options.latency,
    faults: options.faults ?? {},
    maxSkewSeconds: options.maxSkewSeconds ?? 300,
    clock: options.clock ?? Date.now,
    random: options.random ?? Math.random,
  };
  validateSettings(settings);
  return settings;
}
