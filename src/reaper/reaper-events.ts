import { randomUUID } from 'node:crypto';

/** Why a session is (or is about to be) reaped, as the outbound events name it. */
export type EventReason = 'idle' | 'disconnected' | 'maxAge' | 'manual';

/** The type names of every outbound event. */
export type EventType =
  | 'session.warning'
  | 'session.destroyed'
  | 'session.failed'
  | 'reap.completed';

export interface SessionWarningData {
  userId: string;
  class: string;
  reason: EventReason;
  /** ISO-8601: the reaper will not end the session before this time. */
  dueAt: string;
}

export interface SessionDestroyedData {
  userId: string;
  class: string;
  reason: EventReason;
  /** ISO-8601 */
  destroyedAt: string;
  /** CAR answered that the session had already ended. */
  alreadyGone: boolean;
  /** CAR's RequestId of the DestroySession call; null when none was made or returned. */
  requestId: string | null;
}

export interface SessionFailedData {
  userId: string;
  class: string;
  reason: EventReason;
  error: string;
  attempts: number;
}

/** The data of each event type. */
export interface EventDataByType {
  'session.warning': SessionWarningData;
  'session.destroyed': SessionDestroyedData;
  'session.failed': SessionFailedData;
  'reap.completed': Record<string, unknown>;
}

/**
 * One outbound event. `id` is fixed when the event is made and travels with
 * every delivery attempt (the `webhook-id` header, the EventBridge detail),
 * so receivers dedupe redeliveries by it.
 */
export type ReaperEvent = {
  [T in EventType]: { id: string; type: T; timestamp: string; data: EventDataByType[T] };
}[EventType];

/** Builds an event with a fresh id; `at` is epoch ms. */
export function makeEvent<T extends EventType>(
  type: T,
  data: EventDataByType[T],
  at: number,
): Extract<ReaperEvent, { type: T }> {
  return {
    id: `evt_${randomUUID()}`,
    type,
    timestamp: new Date(at).toISOString(),
    data,
  } as Extract<ReaperEvent, { type: T }>;
}

/** The JSON body every transport sends: `{ type, timestamp, data }`. */
export const eventBody = (event: ReaperEvent): string =>
  JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });

/** The engine's due reasons, as the events name them (`max-age` becomes `maxAge`). */
export function eventReasonOf(reason: string): EventReason {
  switch (reason) {
    case 'disconnected':
      return 'disconnected';
    case 'max-age':
      return 'maxAge';
    case 'manual':
      return 'manual';
    default:
      return 'idle';
  }
}
