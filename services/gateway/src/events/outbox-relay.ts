import type { Logger } from 'pino';
import { isUnavailable } from '../domain/errors';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import { toOutgoingEvent, type EventPublisher } from './event-publisher';
import type { OutboxRow, OutboxSource } from './outbox-source';
import type { OutboxRelayMetrics } from './relay-metrics';

export interface OutboxRelayOptions {
  source: OutboxSource;
  publisher: EventPublisher;
  log: Logger;
  /** Rows per claim (and per broker request). */
  batchSize?: number;
  /** How often an idle relay looks for new rows; `notify()` wakes it sooner. */
  pollIntervalMs?: number;
  /** Delays between attempts while the broker (or the outbox) fails. */
  backoff?: Partial<BackoffOptions>;
  /** How long `stop()` waits for a batch in flight before giving it up (it stays in the outbox). */
  stopTimeoutMs?: number;
  metrics?: OutboxRelayMetrics;
  now?: () => number;
}

export type RelayState = 'stopped' | 'connecting' | 'idle' | 'publishing' | 'backing_off' | 'stopping';

export interface RelayStatus {
  state: RelayState;
  publishedTotal: number;
  consecutiveFailures: number;
  lastError: string | undefined;
  /** Event ids the broker refused; each blocks later events of its key until restart. */
  parkedEventIds: string[];
  /** Age of the oldest event this relay knows to be waiting (0 when caught up). */
  lagMs: number;
  /**
   * How long the publish in flight has been waiting for the broker (0 when none). The publisher retries an
   * unreachable broker inside one publish, so during an outage this grows while `consecutiveFailures` may not.
   */
  publishingForMs: number;
}

/**
 * Publishes outbox rows to the broker: claim a batch, publish it (in id order, so in order per key), mark it
 * published, repeat. Nothing leaves the outbox unacknowledged:
 * - broker unreachable (`UnavailableError`): the same batch is sent again, unchanged, after an exponential
 *   backoff with a cap; the claim is kept meanwhile, so no other relay sends those rows and no later row of
 *   their keys overtakes them. Sending the identical batch again lets the idempotent producer deduplicate.
 * - broker refuses a batch (any other error): the rows are sent one at a time; a row the broker still refuses
 *   is parked (stays unpublished, its key waits behind it) when others succeed, and the refusal is treated
 *   as a cluster-wide problem (backoff, claim released) when none do.
 * `stop()` lets a batch in flight finish, marks what was acknowledged, and disconnects the publisher.
 */
export class OutboxRelay {
  private readonly source: OutboxSource;
  private readonly publisher: EventPublisher;
  private readonly log: Logger;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly stopTimeoutMs: number;
  private readonly backoff: Backoff;
  private readonly metrics: OutboxRelayMetrics | undefined;
  private readonly now: () => number;

  private state: RelayState = 'stopped';
  private loop: Promise<void> | undefined;
  private stopping = false;
  private connected = false;
  private wake: (() => void) | undefined;
  private notified = false;
  private publishedTotal = 0;
  private consecutiveFailures = 0;
  private lastError: string | undefined;
  private oldestPendingAt: number | undefined;
  private publishStartedAt: number | undefined;
  private readonly parked = new Map<string, OutboxRow>();

  constructor(options: OutboxRelayOptions) {
    this.source = options.source;
    this.publisher = options.publisher;
    this.log = options.log;
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    this.backoff = new Backoff({ ...DEFAULT_BACKOFF, ...options.backoff });
    this.metrics = options.metrics;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1)
      throw new RangeError('batchSize must be ≥ 1');
  }

  /** Starts the loop in the background (a second call does nothing). */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run().catch((err: unknown) => {
      this.log.error({ err }, 'outbox relay stopped by an unexpected error');
    });
  }

  /** New rows were committed: look now instead of at the next poll. */
  notify(): void {
    this.notified = true;
    this.wake?.();
  }

  /** Finishes the batch in flight (up to `stopTimeoutMs`), then disconnects. Unclaimed rows stay in the outbox. */
  async stop(): Promise<void> {
    if (!this.loop) return;
    this.stopping = true;
    this.state = 'stopping';
    this.wake?.();
    const finished = await settlesWithin(this.loop, this.stopTimeoutMs);
    if (!finished) {
      this.log.warn(
        { stopTimeoutMs: this.stopTimeoutMs },
        'outbox relay: batch still in flight at shutdown; it stays in the outbox and is sent again later',
      );
    }
    await this.publisher.disconnect().catch((err: unknown) => {
      this.log.warn({ err }, 'outbox relay: publisher did not disconnect cleanly');
    });
    this.connected = false;
    this.loop = undefined;
    this.state = 'stopped';
  }

  status(): RelayStatus {
    return {
      state: this.state,
      publishedTotal: this.publishedTotal,
      consecutiveFailures: this.consecutiveFailures,
      lastError: this.lastError,
      parkedEventIds: [...this.parked.values()].map((r) => r.eventId),
      lagMs: this.lagMs(),
      publishingForMs:
        this.publishStartedAt === undefined ? 0 : Math.max(0, this.now() - this.publishStartedAt),
    };
  }

  lagMs(): number {
    return this.oldestPendingAt === undefined ? 0 : Math.max(0, this.now() - this.oldestPendingAt);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      if (!this.connected) {
        this.state = 'connecting';
        try {
          await this.publisher.connect();
          this.connected = true;
          this.log.info('outbox relay connected to the broker');
        } catch (err) {
          this.failure('unavailable', err, 'cannot connect to the broker');
          await this.pause(this.backoff.next(), 'backing_off');
          continue;
        }
      }
      let rows: OutboxRow[];
      try {
        rows = await this.source.claimBatch(this.batchSize);
      } catch (err) {
        this.failure('outbox', err, 'cannot claim outbox rows');
        await this.pause(this.backoff.next(), 'backing_off');
        continue;
      }
      if (rows.length === 0) {
        this.oldestPendingAt = undefined;
        if (!this.notified) await this.pause(this.pollIntervalMs, 'idle');
        this.notified = false;
        continue;
      }
      this.oldestPendingAt = Math.min(...rows.map((r) => r.createdAt.getTime()));
      const { publishable, waiting } = this.withoutParkedKeys(rows);
      if (publishable.length === 0) {
        await this.endClaim(rows, []);
        await this.pause(this.pollIntervalMs, 'idle');
        continue;
      }
      if (waiting.length > 0) this.log.debug({ waiting: waiting.length }, 'rows wait behind parked events');
      await this.relayBatch(rows, publishable);
    }
  }

  /** Publishes one claimed batch; always ends the claim. */
  private async relayBatch(claimed: OutboxRow[], rows: OutboxRow[]): Promise<void> {
    const published: OutboxRow[] = [];
    const refused: OutboxRow[] = [];
    let pending = rows;
    let oneByOne = false;
    try {
      while (pending.length > 0 && !this.stopping) {
        const attempt = oneByOne ? pending.slice(0, 1) : pending;
        this.state = 'publishing';
        this.publishStartedAt = this.now();
        try {
          await this.publisher
            .publish(attempt.map(toOutgoingEvent))
            .finally(() => (this.publishStartedAt = undefined));
          published.push(...attempt);
          pending = pending.slice(attempt.length);
          this.succeeded();
        } catch (err) {
          if (isUnavailable(err)) {
            this.failure('unavailable', err, 'broker unavailable; the batch waits in the outbox');
            await this.pause(this.backoff.next(), 'backing_off');
            continue;
          }
          this.failure('rejected', err, 'broker refused events');
          if (attempt.length > 1) {
            oneByOne = true;
            continue;
          }
          const [row] = attempt as [OutboxRow];
          refused.push(row);
          pending = pending.filter((r) => r.key !== row.key);
        }
      }
    } finally {
      await this.endClaim(claimed, published);
    }
    if (refused.length === 0) return;
    if (published.length > 0) {
      for (const row of refused) this.parked.set(row.key, row);
      this.metrics?.parked(refused.length);
      this.log.error(
        { events: refused.map((r) => ({ id: r.id, eventId: r.eventId, topic: r.topic, key: r.key })) },
        'broker refuses these events while accepting others: parked in the outbox until restart',
      );
    } else {
      await this.pause(this.backoff.next(), 'backing_off');
    }
  }

  private async endClaim(claimed: OutboxRow[], published: OutboxRow[]): Promise<void> {
    const ids = published.map((r) => r.id);
    try {
      if (ids.length > 0) {
        await this.source.markPublished(ids);
        this.publishedTotal += ids.length;
        for (const [topic, count] of countByTopic(published)) this.metrics?.published(topic, count);
      } else {
        await this.source.release(claimed.map((r) => r.id));
      }
    } catch (err) {
      // Acknowledged by the broker but not marked: the rows will be sent again (consumers dedupe by eventId).
      this.failure('outbox', err, 'cannot mark published rows; they will be sent again');
      await this.source.release(claimed.map((r) => r.id)).catch(() => undefined);
    }
  }

  private withoutParkedKeys(rows: OutboxRow[]): { publishable: OutboxRow[]; waiting: OutboxRow[] } {
    if (this.parked.size === 0) return { publishable: rows, waiting: [] };
    const publishable: OutboxRow[] = [];
    const waiting: OutboxRow[] = [];
    for (const row of rows) (this.parked.has(row.key) ? waiting : publishable).push(row);
    return { publishable, waiting };
  }

  private succeeded(): void {
    if (this.consecutiveFailures > 0) {
      this.log.info({ failures: this.consecutiveFailures }, 'outbox relay: publishing again');
    }
    this.backoff.reset();
    this.consecutiveFailures = 0;
    this.lastError = undefined;
  }

  private failure(kind: 'unavailable' | 'rejected' | 'outbox', err: unknown, message: string): void {
    this.consecutiveFailures++;
    this.lastError = err instanceof Error ? err.message : String(err);
    this.metrics?.failed(kind);
    // The first failure of a streak is worth a warning; repeats are debug noise until it recovers.
    const level = kind === 'unavailable' && this.consecutiveFailures > 1 ? 'debug' : 'warn';
    this.log[kind === 'rejected' ? 'error' : level](
      { err, consecutiveFailures: this.consecutiveFailures },
      `outbox relay: ${message}`,
    );
  }

  /** Waits `ms`, or less when woken by `notify()` / `stop()`. */
  private pause(ms: number, state: RelayState): Promise<void> {
    if (this.stopping) return Promise.resolve();
    this.state = state;
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}

function countByTopic(rows: OutboxRow[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.topic, (counts.get(r.topic) ?? 0) + 1);
  return counts;
}

function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.finally(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
