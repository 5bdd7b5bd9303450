import { TooManyRequestsError } from '../domain/errors';

/**
 * Caps how many decodes run at once. sharp runs each call on libuv's thread pool, which fs, dns, zlib and
 * crypto share; letting every request in at once would queue them all there (and hold every decoded buffer).
 * Waiting callers are served first in, first out.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  /**
   * @param maxWaiting callers allowed to wait for a slot; one more is refused with TooManyRequestsError, so an
   *   overload turns into prompt back-pressure (429) instead of requests silently timing out in this queue.
   */
  constructor(
    readonly limit: number,
    readonly maxWaiting = Number.POSITIVE_INFINITY,
  ) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`concurrency must be a positive integer, got ${limit}`);
  }

  /** Runs `task` when a slot is free; the slot is released however the task ends. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) {
      if (this.waiting.length >= this.maxWaiting) {
        throw new TooManyRequestsError(
          `image decoding is saturated (${this.waiting.length} images waiting)`,
          1,
        );
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter (active stays the same), or give it back.
      if (next !== undefined) next();
      else this.active--;
    }
  }

  get pending(): number {
    return this.waiting.length;
  }
}
