/** A source of the current time in epoch milliseconds; injected so tests can freeze time. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** Waits `ms` milliseconds; injected beside the clock so tests never sleep for real. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
