import pLimit from 'p-limit';
import type { SessionStore } from '../sessions/session-store.js';
import type { DemoPlan } from './demo-plan.js';

/** Writes in flight while seeding: DynamoDB Local keeps up, the machine stays responsive. */
const SEED_CONCURRENCY = 16;

/** Groups users by their activity time to the second, so one store call records each group. */
function bySecond(entries: ReadonlyArray<{ userId: string; lastActiveAt: number }>) {
  const groups = new Map<number, string[]>();
  for (const { userId, lastActiveAt } of entries) {
    const second = Math.floor(lastActiveAt / 1000) * 1000;
    const group = groups.get(second) ?? [];
    group.push(userId);
    groups.set(second, group);
  }
  return groups;
}

/**
 * Records the demo's sessions through the store's own API (never hand-written
 * items): activity at its planned time, then disconnects; `now` for the active users.
 * @returns every seeded user id
 */
export async function seedDemo(
  store: Pick<SessionStore, 'recordActivity' | 'recordDisconnect'>,
  plan: DemoPlan,
  now: number,
): Promise<string[]> {
  const limit = pLimit(SEED_CONCURRENCY);
  const idle = bySecond([...plan.staleNow, ...plan.goingStale]);
  const writes: Promise<void>[] = [];
  for (const [at, userIds] of idle) {
    for (let i = 0; i < userIds.length; i += 100) {
      writes.push(limit(() => store.recordActivity(userIds.slice(i, i + 100), at)));
    }
  }
  for (let i = 0; i < plan.active.length; i += 100) {
    writes.push(limit(() => store.recordActivity(plan.active.slice(i, i + 100), now)));
  }
  for (const { userId, at } of plan.disconnected) {
    // Active for a while before the disconnect, as a real session would be.
    writes.push(
      limit(async () => {
        await store.recordActivity([userId], at - 60_000);
        await store.recordDisconnect(userId, at);
      }),
    );
  }
  await Promise.all(writes);
  return [
    ...plan.staleNow.map((s) => s.userId),
    ...plan.goingStale.map((s) => s.userId),
    ...plan.disconnected.map((s) => s.userId),
    ...plan.active,
  ];
}
