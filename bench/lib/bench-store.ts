import type { SessionStore } from '../../src/sessions/session-store.js';
import { FakeSessionStore } from '../../test/helpers/fake-store.js';

/** The session store a benchmark runs on, with a way to seed stale sessions. */
export interface BenchStore {
  kind: string;
  store: SessionStore;
  seedStale(userIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** An in-memory store (the engine's own cost, without DynamoDB's). */
export async function openBenchStore(): Promise<BenchStore> {
  const store = new FakeSessionStore(Date.now);
  return {
    kind: 'in-memory',
    store,
    async seedStale(userIds) {
      const at = Date.now() - 10 * 60_000;
      store.seed(...userIds.map((userId) => ({ userId, lastActiveAt: at })));
    },
    async close() {},
  };
}
