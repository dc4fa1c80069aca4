import type {
  CarApi,
  CarErrorClass,
  CarFailure,
  CarResult,
  ConcurrentCount,
} from '../../src/car/car-api.js';
import type { Clock, Sleep } from '../../src/clock.js';

/** What one scripted call answers: success, or a failure. */
export type FakeAnswer = 'ok' | CarFailure;

/** A failure of `class` with `code` (a plausible CAR code by default). */
export function carFailure(errorClass: CarErrorClass, code?: string): CarFailure {
  const codes: Record<CarErrorClass, string> = {
    gone: 'ResourceNotFound.SessionNotFound',
    busy: 'FailedOperation.SlowDown',
    throttled: 'RequestLimitExceeded',
    retryable: 'InternalError',
    auth: 'AuthFailure.SignatureFailure',
    terminal: 'InvalidParameter',
  };
  const c = code ?? codes[errorClass];
  return { class: errorClass, code: c, message: `${c} (fake)`, requestId: 'fake-req' };
}

export interface FakeCarOptions {
  clock: Clock;
  sleep: Sleep;
  /** Latency of each call in ms, fixed or per call. @default 0 */
  latencyMs?: number | ((userId: string, call: number) => number);
  /**
   * Server-side quota: calls arriving beyond it in any 1 s window answer
   * RequestLimitExceeded (only accepted calls count, as at CAR).
   */
  quota?: number;
}

/**
 * Scriptable CarApi: answers per user id are queued with {@link script}; past
 * the script each call answers `fallback(userId, call)` (success by default).
 * Records every call with its arrival time and tracks calls in flight.
 */
export class FakeCar implements CarApi {
  readonly calls: { userId: string; at: number; answer: FakeAnswer }[] = [];
  fallback: (userId: string, call: number) => FakeAnswer = () => 'ok';
  /** CarApi.prepare, when a test gives one. */
  prepare?: () => Promise<void>;
  inFlight = 0;
  maxInFlight = 0;
  private readonly scripts = new Map<string, FakeAnswer[]>();
  private readonly accepted: number[] = [];

  constructor(private readonly options: FakeCarOptions) {}

  script(userId: string, ...answers: FakeAnswer[]): this {
    this.scripts.set(userId, [...(this.scripts.get(userId) ?? []), ...answers]);
    return this;
  }

  callsFor(userId: string): number {
    return this.calls.filter((c) => c.userId === userId).length;
  }

  private answerFor(userId: string, at: number): FakeAnswer {
    const { quota } = this.options;
    if (quota !== undefined) {
      const recent = this.accepted.filter((t) => t > at - 1000).length;
      if (recent >= quota) return carFailure('throttled');
    }
    const scripted = this.scripts.get(userId)?.shift();
    const answer = scripted ?? this.fallback(userId, this.calls.length);
    if (quota !== undefined) this.accepted.push(at);
    return answer;
  }

  async destroySession(userId: string): Promise<CarResult<{ requestId?: string }>> {
    const at = this.options.clock();
    const answer = this.answerFor(userId, at);
    this.calls.push({ userId, at, answer });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const { latencyMs = 0 } = this.options;
      const ms = typeof latencyMs === 'number' ? latencyMs : latencyMs(userId, this.calls.length);
      if (ms > 0) await this.options.sleep(ms);
      else await Promise.resolve();
    } finally {
      this.inFlight--;
    }
    if (answer === 'ok') return { ok: true, value: { requestId: `req-${this.calls.length}` } };
    return { ok: false, error: answer };
  }

  async describeConcurrentCount(): Promise<CarResult<ConcurrentCount>> {
    return { ok: true, value: { running: 0, total: 0 } };
  }
}
