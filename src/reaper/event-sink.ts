import type { ReaperEvent } from './reaper-events.js';

/** What a flush did with the events handed to a sink. */
export interface FlushReport {
  /** Events delivered (redeliveries from the outbox included). */
  delivered: number;
  /** Events not delivered in time, kept in the outbox for the next run. */
  kept: number;
  /** Events neither delivered nor kept (the outbox refused them; each is logged at error level). */
  dropped: number;
}

/**
 * Where the engine sends its events. `publish` never waits and never throws:
 * delivery goes on in the background, so a slow or absent receiver never
 * slows a reap. `flush` is called once a run is over.
 */
export interface EventSink {
  publish(event: ReaperEvent): void;
  /** Picks up events an earlier run could not deliver. */
  resume?(): void;
  /** Delivers what it can until `deadline` (epoch ms), keeps the rest for the next run. */
  flush(deadline: number): Promise<FlushReport>;
}

const none: FlushReport = { delivered: 0, kept: 0, dropped: 0 };

/** A sink that discards every event (no outbound delivery configured). */
export const noEvents: EventSink = {
  publish: () => undefined,
  flush: async () => ({ ...none }),
};

/** One sink that hands every event to each of `sinks`. */
export function fanOut(sinks: readonly EventSink[]): EventSink {
  if (sinks.length === 0) return noEvents;
  if (sinks.length === 1) return sinks[0] as EventSink;
  return {
    publish: (event) => {
      for (const sink of sinks) sink.publish(event);
    },
    resume: () => {
      for (const sink of sinks) sink.resume?.();
    },
    flush: async (deadline) => {
      const reports = await Promise.all(sinks.map((sink) => sink.flush(deadline)));
      return reports.reduce(
        (sum, r) => ({
          delivered: sum.delivered + r.delivered,
          kept: sum.kept + r.kept,
          dropped: sum.dropped + r.dropped,
        }),
        { ...none },
      );
    },
  };
}
