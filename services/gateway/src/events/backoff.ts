export interface BackoffOptions {
  /** First delay after a failure. */
  initialMs: number;
  /** The delay never exceeds this. */
  maxMs: number;
  /** Growth per consecutive failure. */
  multiplier: number;
  /** Fraction of each delay drawn at random (0 … 1), so replicas do not retry in lockstep. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 30_000, multiplier: 2, jitter: 0.2 };

/** Exponential backoff with a cap and jitter; `reset()` after a success. */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly options: BackoffOptions = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  /** Consecutive failures since the last reset. */
  get attempts(): number {
    return this.failures;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const { initialMs, maxMs, multiplier, jitter } = this.options;
    const base = Math.min(maxMs, initialMs * multiplier ** Math.min(this.failures, 64));
    this.failures++;
    const spread = base * jitter;
    return Math.round(Math.min(maxMs, base - spread + this.random() * 2 * spread));
  }

  reset(): void {
    this.failures = 0;
  }
}
