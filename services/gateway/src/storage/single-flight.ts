/**
 * Coalesces concurrent calls for the same key: while a call for `key` is in flight, later callers share its
 * result instead of starting their own. Stores use it so that concurrent puts of the same bytes write once and
 * exactly one of them reports `created: true`.
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  /**
   * Runs `work` unless a call for `key` is already running. The first caller gets `work`'s result; callers that
   * joined get `joined(result)`. A failure is shared by everyone who joined, and the next call starts afresh.
   */
  run(key: string, work: () => Promise<T>, joined: (result: T) => T): Promise<T> {
    const running = this.inFlight.get(key);
    if (running !== undefined) return running.then(joined);
    const started = work().finally(() => {
      this.inFlight.delete(key);
    });
    this.inFlight.set(key, started);
    return started;
  }

  get size(): number {
    return this.inFlight.size;
  }
}
