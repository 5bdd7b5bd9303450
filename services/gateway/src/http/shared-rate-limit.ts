import type { ClientRateLimitInfo, IncrementResponse, Options, Store } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { Queryable } from '../records/db';

/** One key's count in the current fixed window on this replica. */
interface Counter {
  windowStart: number;
  /** Every replica's requests as Postgres had them at this replica's last flush (its own flushed ones included). */
  shared: number;
  /** This replica's requests not yet added to Postgres. */
  pending: number;
}

export interface SharedRateLimitOptions {
  db: Queryable;
  log: Logger;
  /** How often counts are added to Postgres and the totals read back (default 1000 ms). */
  flushMs?: number;
  now?: () => number;
}

/**
 * A store for express-rate-limit whose counts are shared by every gateway replica through Postgres
 * (`rate_limit_windows`), so that a key's limit holds across the deployment. A request never waits on the
 * database: it is counted here and judged on the total read back at the last flush plus what this replica has
 * counted since. Replicas flush every `flushMs`, so N replicas can admit at most about (N − 1) × `flushMs` worth of
 * one key's requests beyond the limit. When Postgres cannot be reached the counts stay here and the limit holds per
 * replica until it can; nothing is refused for the database's sake.
 */
export class SharedRateLimitStore implements Store {
  readonly localKeys = false;
  private windowMs = 60_000;
  private readonly counters = new Map<string, Counter>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private lastPrune = 0;
  private failing = false;

  constructor(private readonly opts: SharedRateLimitOptions) {
    this.now = opts.now ?? Date.now;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
    this.timer = setInterval(() => void this.flush(), this.opts.flushMs ?? 1000);
    this.timer.unref();
  }

  get(key: string): ClientRateLimitInfo | undefined {
    const c = this.counters.get(key);
    if (c === undefined || c.windowStart !== this.windowStart()) return undefined;
    return this.info(c);
  }

  increment(key: string): IncrementResponse {
    const c = this.counter(key);
    c.pending += 1;
    return this.info(c);
  }

  /** Takes back a request not yet flushed; one already added to Postgres stays counted. */
  decrement(key: string): void {
    const c = this.counter(key);
    if (c.pending > 0) c.pending -= 1;
  }

  async resetKey(key: string): Promise<void> {
    this.counters.delete(key);
    await this.opts.db.query('DELETE FROM rate_limit_windows WHERE key = $1', [key]);
  }

  async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /**
   * Adds this replica's pending counts of the current window to Postgres and reads every key's total back (one
   * statement). Counters of past windows are dropped; rows of windows ended a window ago are deleted now and then.
   */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    const start = this.windowStart();
    const sent = new Map<string, number>();
    for (const [key, c] of this.counters) {
      if (c.windowStart !== start) this.counters.delete(key);
      else sent.set(key, c.pending);
    }
    try {
      if (sent.size > 0) {
        const { rows } = await this.opts.db.query<{ key: string; hits: number }>(
          `INSERT INTO rate_limit_windows AS w (key, window_start, hits)
           SELECT k, to_timestamp($2::float8 / 1000), h FROM unnest($1::text[], $3::int[]) AS t(k, h)
           ON CONFLICT (key, window_start) DO UPDATE SET hits = w.hits + EXCLUDED.hits
           RETURNING key, hits`,
          [[...sent.keys()], start, [...sent.values()]],
        );
        for (const row of rows) {
          const c = this.counters.get(row.key);
          if (c === undefined || c.windowStart !== start) continue;
          c.shared = row.hits;
          c.pending = Math.max(0, c.pending - (sent.get(row.key) ?? 0));
        }
      }
      if (this.now() - this.lastPrune >= this.windowMs) {
        await this.opts.db.query(
          'DELETE FROM rate_limit_windows WHERE window_start < to_timestamp($1::float8 / 1000)',
          [start - this.windowMs],
        );
        this.lastPrune = this.now();
      }
      if (this.failing)
        this.opts.log.info('rate-limit counts reach Postgres again; limits hold across replicas');
      this.failing = false;
    } catch (err) {
      if (!this.failing) {
        this.opts.log.warn(
          { err },
          'rate-limit counts cannot reach Postgres: each replica limits on its own counts until they can',
        );
      }
      this.failing = true;
    }
  }

  private windowStart(): number {
    return Math.floor(this.now() / this.windowMs) * this.windowMs;
  }

  private counter(key: string): Counter {
    const start = this.windowStart();
    let c = this.counters.get(key);
    if (c === undefined || c.windowStart !== start) {
      c = { windowStart: start, shared: 0, pending: 0 };
      this.counters.set(key, c);
    }
    return c;
  }

  private info(c: Counter): IncrementResponse {
    return { totalHits: c.shared + c.pending, resetTime: new Date(c.windowStart + this.windowMs) };
  }
}
