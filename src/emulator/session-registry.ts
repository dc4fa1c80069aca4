/** One live CAR session in the emulator. */
export interface LiveSession {
  userId: string;
  userIp?: string;
  runMode?: string;
  /** Epoch ms of the CreateSession (or seeding) that started it. */
  createdAt: number;
}

/** The emulator's live sessions, keyed by UserId: what DescribeConcurrentCount reports as Running. */
export class SessionRegistry {
  readonly #sessions = new Map<string, LiveSession>();

  /** Starts (or, for a known UserId, keeps) a session; CAR keeps one session per UserId. */
  create(session: LiveSession): void {
    if (!this.#sessions.has(session.userId)) this.#sessions.set(session.userId, session);
  }

  /** Ends a session; true when there was one. Unknown UserIds are not an error. */
  destroy(userId: string): boolean {
    return this.#sessions.delete(userId);
  }

  has(userId: string): boolean {
    return this.#sessions.has(userId);
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** A copy of the live sessions, oldest first. */
  list(): LiveSession[] {
    return [...this.#sessions.values()];
  }

  clear(): void {
    this.#sessions.clear();
  }
}
