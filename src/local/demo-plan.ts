/** How many demo sessions of each kind `car-reaper local` seeds. */
export interface DemoPlan {
  /** Idle past the timeout already: the first reap destroys them. */
  staleNow: Array<{ userId: string; lastActiveAt: number }>;
  /** Last active within the timeout and silent from now on: they go stale over the next minute. */
  goingStale: Array<{ userId: string; lastActiveAt: number }>;
  /** Disconnected at various times: some past the grace period already. */
  disconnected: Array<{ userId: string; at: number }>;
  /** Active: they keep sending heartbeats and must survive every reap. */
  active: string[];
}

/** Options of {@link planDemo}. */
export interface DemoPlanOptions {
  /** @default 2000 */
  sessions?: number;
  now: number;
  idleTimeoutMs: number;
  disconnectGraceMs: number;
  /** Random source in [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * Splits `sessions` users into 20% stale now, 30% going stale within the idle
 * timeout, 15% disconnected (about half past the grace period) and 35% active,
 * so a one-minute demo shows a first burst of destroys, then a steady trickle,
 * and a floor of live users that are never touched.
 */
export function planDemo(options: DemoPlanOptions): DemoPlan {
  const total = options.sessions ?? 2000;
  const random = options.random ?? Math.random;
  const { now, idleTimeoutMs, disconnectGraceMs } = options;
  const ids = Array.from(
    { length: total },
    (_, i) => `demo-user-${String(i + 1).padStart(4, '0')}`,
  );
  const staleCount = Math.round(total * 0.2);
  const goingCount = Math.round(total * 0.3);
  const disconnectedCount = Math.round(total * 0.15);
  const stale = ids.slice(0, staleCount);
  const going = ids.slice(staleCount, staleCount + goingCount);
  const disconnected = ids.slice(
    staleCount + goingCount,
    staleCount + goingCount + disconnectedCount,
  );
  const active = ids.slice(staleCount + goingCount + disconnectedCount);
  return {
    staleNow: stale.map((userId) => ({
      userId,
      lastActiveAt: now - idleTimeoutMs - Math.floor(random() * idleTimeoutMs) - 1000,
    })),
    goingStale: going.map((userId) => ({
      userId,
      lastActiveAt: now - Math.floor(random() * idleTimeoutMs),
    })),
    disconnected: disconnected.map((userId) => ({
      userId,
      at: now - Math.floor(random() * 2 * disconnectGraceMs),
    })),
    active,
  };
}
