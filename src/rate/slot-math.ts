/**
 * Pure arithmetic of the shared DestroySession budget (no I/O).
 *
 * The budget is one timeline shared by every process: a DynamoDB item holds
 * `next`, the earliest free send slot (epoch microseconds). A process
 * reserves k slots at once by moving `next` forward by k x interval in one
 * conditional write; its slots are `start + i x interval` for i < k. Writes
 * to one item are serialised by DynamoDB, so batches never overlap and any
 * two slots on the timeline, whoever holds them, are at least one interval
 * apart. Times are integer microseconds: epoch us (~1.8e15) is exact in a
 * double, and integer adds keep the spacing exact across thousands of
 * batches (fractional ms strings would accumulate rounding).
 */

import { RESERVED_USER_ID_PREFIX } from '../sessions/validation.js';

/**
 * The item holding the DestroySession timeline, in the sessions table. A
 * reserved key: the store refuses it as a user id and leaves it out of counts.
 */
export const DESTROY_SESSION_BUDGET_KEY = `${RESERVED_USER_ID_PREFIX}budget#DestroySession`;

/**
 * The steady rate that keeps every server window within the quota.
 *
 * A slot may be used up to `lateToleranceMs` after its time, and a call
 * sent at s reaches the server at s + d, d varying by up to
 * `jitterMarginMs` between calls and hosts (network, event-loop delay
 * between grant and socket, clock skew between NTP-synced hosts). So the
 * arrivals in a server window [a, a + W) come from slots in an open
 * interval of W + jitter + late. With slots at least
 * (W + jitter + late) / quota apart, such an interval holds at most `quota`
 * slots: the server never sees more than `quota` in any window.
 */
export function safeRate(
  quota: number,
  { windowMs, jitterMarginMs, lateToleranceMs }: SpacingMargins,
): number {
  return (quota * windowMs) / (windowMs + jitterMarginMs + lateToleranceMs);
}

/** The margins the spacing must absorb, in ms. */
export interface SpacingMargins {
  windowMs: number;
  jitterMarginMs: number;
  lateToleranceMs: number;
}

/** Spacing of slots at `ratePerSecond`, in us, rounded up so slots are never closer. */
export function slotIntervalUs(ratePerSecond: number): number {
  return Math.ceil(1e6 / ratePerSecond);
}

/** One conditional write on the timeline. */
export type SlotWrite =
  /** The timeline is idle (next is in the past) or absent: restart it at now. */
  | { kind: 'reset'; floorUs: number; endUs: number }
  /** Append k slots at `next`, if next is within [floor, ceiling]. */
  | { kind: 'append'; floorUs: number; ceilingUs: number; addUs: number };

export type ReservationPlan = SlotWrite | { kind: 'wait'; untilMs: number };

export interface PlanInput {
  /** The timeline's `next` as last seen (undefined: never seen, or no item). */
  knownNextUs: number | undefined;
  nowMs: number;
  count: number;
  intervalUs: number;
  /** A slot this far in the past may still be used; older ones expire. */
  lateToleranceMs: number;
  /** Reserve only while `next` is at most this far ahead of now. */
  lookaheadMs: number;
  /** Empty time reserved after the batch's slots, in us (see SharedRateBudget's cold start). @default 0 */
  gapUs?: number;
  /**
   * Other processes are appending: a `next` we saw in the past has likely
   * moved on, so append (a reset would fail) and reset only when the
   * append's failure shows the timeline idle.
   */
  contended?: boolean;
}

/**
 * What to write next. Not banking: a timeline idle past the late tolerance
 * restarts at now, so quiet time never turns into a burst later. Bounded
 * lookahead: while `next` is more than `lookaheadMs` ahead, wait (no write)
 * until it is not; a process that stops early then wastes at most what it
 * reserved, a fraction of a second of the quota.
 */
export function planReservation(input: PlanInput): ReservationPlan {
  const { knownNextUs, nowMs, count, intervalUs, lateToleranceMs, lookaheadMs } = input;
  const nowUs = Math.floor(nowMs * 1000);
  const floorUs = nowUs - lateToleranceMs * 1000;
  const addUs = count * intervalUs + (input.gapUs ?? 0);
  const ceilingUs = nowUs + lookaheadMs * 1000;
  if (knownNextUs === undefined || knownNextUs < floorUs) {
    if (input.contended && knownNextUs !== undefined) {
      return { kind: 'append', floorUs, ceilingUs, addUs };
    }
    return { kind: 'reset', floorUs, endUs: nowUs + addUs };
  }
  if (knownNextUs > ceilingUs)
    return { kind: 'wait', untilMs: (knownNextUs - ceilingUs) / 1000 + nowMs };
  return { kind: 'append', floorUs, ceilingUs, addUs };
}

/**
 * The send times (epoch ms) of a batch of `count` slots whose reservation
 * ends at `endUs`, `gapUs` of it empty after the last slot.
 */
export function batchSlots(endUs: number, count: number, intervalUs: number, gapUs = 0): number[] {
  const startUs = endUs - gapUs - count * intervalUs;
  return Array.from({ length: count }, (_, i) => (startUs + i * intervalUs) / 1000);
}
