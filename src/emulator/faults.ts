import { ValidationError } from '../errors.js';

/** A source of uniform random numbers in [0, 1); injected for reproducible tests. */
export type Random = () => number;

/** How long the emulator takes to answer, after the arrival is counted. */
export interface LatencyOptions {
  /** @default 0 */
  meanMs: number;
  /** Half-width (uniform) or standard deviation (normal). @default 0 */
  jitterMs?: number;
  /** @default 'uniform' */
  distribution?: 'uniform' | 'normal';
}

/**
 * Faults injected into calls that passed authentication and quota. The rates
 * are probabilities per call and must sum to at most 1.
 */
export interface FaultOptions {
  /** Share of calls answered with one of `errorCodes`. @default 0 */
  errorRate?: number;
  /** Codes picked uniformly for injected errors. @default ['InternalError'] */
  errorCodes?: string[];
  /** Share of calls whose connection is reset (TCP RST) instead of answered. @default 0 */
  resetRate?: number;
  /** Share of calls never answered until the emulator stops. @default 0 */
  hangRate?: number;
  /** Actions the rates apply to. @default every action */
  actions?: string[];
  /** A fixed error code for a given UserId, on every call that names it. */
  userErrors?: Record<string, string>;
  /**
   * A UserId's first `times` calls (after authentication and quota) answer
   * `code`; later ones are handled normally: a session that fails a scripted
   * number of times, then succeeds.
   */
  userFailures?: Record<string, { code: string; times: number }>;
}

/** What happens to one call. */
export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'error'; code: string }
  | { kind: 'reset' }
  | { kind: 'hang' };

const rate = (value: number | undefined, field: string): number => {
  const r = value ?? 0;
  if (!Number.isFinite(r) || r < 0 || r > 1) {
    throw new ValidationError(field, `must be a number in [0, 1], got ${value}`);
  }
  return r;
};

/** Throws a {@link ValidationError} naming the field when fault options are out of range. */
export function validateFaults(faults: FaultOptions): void {
  const total =
    rate(faults.errorRate, 'faults.errorRate') +
    rate(faults.resetRate, 'faults.resetRate') +
    rate(faults.hangRate, 'faults.hangRate');
  if (total > 1) throw new ValidationError('faults', `rates sum to ${total}, more than 1`);
  if (faults.errorCodes?.length === 0) {
    throw new ValidationError('faults.errorCodes', 'must list at least one code');
  }
  for (const [userId, script] of Object.entries(faults.userFailures ?? {})) {
    const field = `faults.userFailures.${userId}`;
    if (typeof script?.code !== 'string' || script.code === '') {
      throw new ValidationError(`${field}.code`, 'must be a non-empty error code');
    }
    if (!Number.isInteger(script.times) || script.times < 0) {
      throw new ValidationError(`${field}.times`, `must be an integer >= 0, got ${script.times}`);
    }
  }
}

/** Throws a {@link ValidationError} naming the field when latency options are out of range. */
export function validateLatency(latency: LatencyOptions): void {
  if (!Number.isFinite(latency.meanMs) || latency.meanMs < 0) {
    throw new ValidationError('latency.meanMs', `must be >= 0, got ${latency.meanMs}`);
  }
  const jitter = latency.jitterMs ?? 0;
  if (!Number.isFinite(jitter) || jitter < 0) {
    throw new ValidationError('latency.jitterMs', `must be >= 0, got ${latency.jitterMs}`);
  }
}

/**
 * Draws the fault for one call (one random draw; hang, then reset, then
 * error). `failuresServed` counts the scripted failures each UserId got.
 */
export function decideFault(
  faults: FaultOptions,
  action: string,
  userId: string | undefined,
  random: Random,
  failuresServed: Map<string, number> = new Map(),
): FaultDecision {
  const userError = userId === undefined ? undefined : faults.userErrors?.[userId];
  if (userError) return { kind: 'error', code: userError };
  const script = userId === undefined ? undefined : faults.userFailures?.[userId];
  if (userId !== undefined && script) {
    const served = failuresServed.get(userId) ?? 0;
    if (served < script.times) {
      failuresServed.set(userId, served + 1);
      return { kind: 'error', code: script.code };
    }
  }
  if (faults.actions && !faults.actions.includes(action)) return { kind: 'none' };
  const hang = faults.hangRate ?? 0;
  const reset = hang + (faults.resetRate ?? 0);
  const error = reset + (faults.errorRate ?? 0);
  if (error === 0) return { kind: 'none' };
  const draw = random();
  if (draw < hang) return { kind: 'hang' };
  if (draw < reset) return { kind: 'reset' };
  if (draw < error) {
    const codes = faults.errorCodes ?? ['InternalError'];
    const code = codes[Math.min(codes.length - 1, Math.floor(random() * codes.length))];
    return { kind: 'error', code: code ?? 'InternalError' };
  }
  return { kind: 'none' };
}

/** Samples one latency in ms (never negative). */
export function sampleLatency(latency: LatencyOptions | undefined, random: Random): number {
  if (!latency) return 0;
  const jitter = latency.jitterMs ?? 0;
  let value = latency.meanMs;
  if (jitter > 0 && latency.distribution === 'normal') {
    // Box-Muller; 1 - random() keeps the log argument in (0, 1].
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    value += z * jitter;
  } else if (jitter > 0) {
    value += (random() * 2 - 1) * jitter;
  }
  return Math.max(0, value);
}

const messages: Record<string, string> = {
  InternalError: 'Internal error.',
  FailedOperation: 'Operation failed.',
  'FailedOperation.ProcessTimeout': 'Processing timed out.',
  'ResourceUnavailable.AccessFailed': 'Failed to access the concurrency instance.',
  ServiceUnavailable: 'Service is unavailable now.',
  RequestLimitExceeded: 'Your current request times equals to `100` in a second.',
  UnauthorizedOperation: 'Unauthorized operation.',
  InvalidParameter: 'Parameter error.',
};

/** The message CAR gives for a code (a generic one for codes it does not document). */
export function messageFor(code: string): string {
  return messages[code] ?? `Injected fault: ${code}.`;
}
