import type { CarApi, CarFailure } from '../car/car-api.js';
import { type Drift, driftOf, type LiveSessionCounts } from './drift.js';

/** A drift measurement: the figures, or why CAR could not be asked. */
export type DriftReading =
  | { ok: true; drift: Drift; live: LiveSessionCounts }
  | { ok: false; live: LiveSessionCounts; error: Pick<CarFailure, 'code' | 'message'> };

/**
 * Reads CAR's Running count (one DescribeConcurrentCount: that API has its own
 * 20/s quota, apart from DestroySession's) and then the table's live sessions.
 * CAR is asked first: a session created between the two reads then shows as
 * tracked, not as a false untracked one.
 */
export async function measureDrift(deps: {
  car: Pick<CarApi, 'describeConcurrentCount'>;
  countLive: () => Promise<LiveSessionCounts>;
}): Promise<DriftReading> {
  const answer = await deps.car.describeConcurrentCount();
  const live = await deps.countLive();
  if (!answer.ok) {
    return { ok: false, live, error: { code: answer.error.code, message: answer.error.message } };
  }
  return { ok: true, drift: driftOf(answer.value.running, live.tracked), live };
}
