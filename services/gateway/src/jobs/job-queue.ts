/**
 * The work queue of batch jobs: pg-boss (v10) on the gateway's own Postgres, in its own schema. It is the only
 * file that imports pg-boss. pg-boss runs its statements through the gateway's `Database` (so the embedded
 * PGlite, which serves one connection, works too) and the item messages of a new job are inserted in the same
 * transaction as the job's rows, so a job is never created without its work or queued without its rows.
 *
 * One pg-boss job per item: a killed gateway loses at most its in-flight items, which pg-boss hands out again
 * when their expiry passes; items of one job spread across replicas; retries and dead-lettering are per item.
 *
 * Retries. pg-boss's own retry (`retryLimit`, exponential backoff) is kept for crashes and expiries: an item
 * whose worker died is retried, and one that keeps killing its worker ends in the dead-letter queue, whose
 * messages mark the item failed. Transient failures (Triton or the database unavailable) are NOT counted
 * against that budget: the item is re-sent with a capped backoff of its own (`retryLater`), since pg-boss's
 * backoff doubles without a practical cap (2^16 × delay).
 */
import { randomBytes } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { Queryable } from '../records/db';

/** The message of one item. */
export interface ItemMessage {
  jobId: string;
  index: number;
}

export interface QueuedItem {
  /** pg-boss job id (not the batch job id). */
  id: string;
  data: ItemMessage;
}

export interface JobQueueOptions {
  /** Postgres schema pg-boss keeps its tables in. Default 'pgboss'. */
  schema?: string;
  /**
   * Seconds an item may stay active before pg-boss hands it out again (killed worker). Default 30: an item
   * takes about a second, and redelivering a slow but live one only repeats its inference, never its record.
   */
  expireInSeconds?: number;
  /** Crash / expiry retries before the item goes to the dead-letter queue. Default 5. */
  retryLimit?: number;
  /** How often pg-boss's maintenance (expiry of active items) runs. Default 10 s; at least 1. */
  maintenanceIntervalSeconds?: number;
  onError?: (err: Error) => void;
}

export const ITEMS_QUEUE = 'inspection-items';
export const DEAD_ITEMS_QUEUE = 'inspection-items-dead';

export class JobQueue {
  private readonly boss: PgBoss;
  private readonly expireInSeconds: number;
  private readonly retryLimit: number;

  constructor(database: Queryable, options: JobQueueOptions = {}) {
    this.expireInSeconds = options.expireInSeconds ?? 30;
    this.retryLimit = options.retryLimit ?? 5;
    this.boss = new PgBoss({
      db: bossDb(database),
      schema: options.schema ?? 'pgboss',
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 10,
      // No cron schedules are used; their clock monitor would only add queries.
      schedule: false,
    });
    this.boss.on('error', (err) => options.onError?.(err));
  }

  /** Installs or migrates pg-boss's schema (under its advisory lock) and creates the queues. */
  async start(): Promise<void> {
    await this.boss.start();
    await this.boss.createQueue(DEAD_ITEMS_QUEUE);
    await this.boss.createQueue(ITEMS_QUEUE, {
      name: ITEMS_QUEUE,
      deadLetter: DEAD_ITEMS_QUEUE,
      retryLimit: this.retryLimit,
      retryDelay: 1,
      retryBackoff: true,
      expireInSeconds: this.expireInSeconds,
    });
  }

  /**
   * Installs or migrates pg-boss's schema, creates the queues, and grants `gateway_app` the use of every table in
   * it. Run through the schema owner's connection (`DATABASE_MIGRATION_URL`) before the gateway connects as a
   * member of `gateway_app`: that role may use pg-boss's tables but cannot own them, and pg-boss attaches a
   * partition of its `job` table per queue, which only the table's owner may do.
   */
  static async install(ownerDatabase: Queryable, options: JobQueueOptions = {}): Promise<void> {
    const queue = new JobQueue(ownerDatabase, options);
    await queue.start();
    await queue.stop();
    const schema = options.schema ?? 'pgboss';
    await ownerDatabase.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO gateway_app`,
    );
    await ownerDatabase.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO gateway_app`);
  }

  async stop(): Promise<void> {
    // Not graceful: this module runs no pg-boss workers of its own; the pool belongs to the caller.
    await this.boss.stop({ graceful: false, close: false, wait: true });
  }

  /** Queues the items in the caller's transaction. */
  async enqueue(tx: Queryable, messages: readonly ItemMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const now = Date.now();
    await this.boss.insert(
      messages.map((data) => ({
        id: orderedId(now, data.index),
        name: ITEMS_QUEUE,
        data,
        retryLimit: this.retryLimit,
        retryDelay: 1,
        retryBackoff: true,
        expireInSeconds: this.expireInSeconds,
        deadLetter: DEAD_ITEMS_QUEUE,
      })),
      { db: bossDb(tx) },
    );
  }

  /** Up to `n` items, now active for this worker (SKIP LOCKED: replicas never get the same one). */
  async fetch(n: number): Promise<QueuedItem[]> {
    const jobs = await this.boss.fetch<ItemMessage>(ITEMS_QUEUE, { batchSize: n });
    return jobs.map((j) => ({ id: j.id, data: j.data }));
  }

  /** Items that used up their crash retries. */
  async fetchDead(n: number): Promise<QueuedItem[]> {
    const jobs = await this.boss.fetch<ItemMessage>(DEAD_ITEMS_QUEUE, { batchSize: n });
    return jobs.map((j) => ({ id: j.id, data: j.data }));
  }

  async complete(item: QueuedItem, queue: string = ITEMS_QUEUE): Promise<void> {
    await this.boss.complete(queue, item.id);
  }

  /** Gives the item back to pg-boss as failed: retried after its backoff, dead-lettered after its limit. */
  async fail(item: QueuedItem, message: string): Promise<void> {
    await this.boss.fail(ITEMS_QUEUE, item.id, { message });
  }

  /**
   * Re-queues the item to start after `delaySeconds` and completes this delivery. Sent first: a crash between
   * the two leaves a duplicate message, which the item's exactly-once recording makes harmless.
   */
  async retryLater(item: QueuedItem, delaySeconds: number): Promise<void> {
    await this.boss.send(ITEMS_QUEUE, item.data, {
      startAfter: Math.max(1, Math.round(delaySeconds)),
      retryLimit: this.retryLimit,
      retryDelay: 1,
      retryBackoff: true,
      expireInSeconds: this.expireInSeconds,
      deadLetter: DEAD_ITEMS_QUEUE,
    });
    await this.boss.complete(ITEMS_QUEUE, item.id);
  }

  /** Runs pg-boss maintenance now (expires overdue active items). For tests and start-up. */
  async maintain(): Promise<void> {
    await this.boss.maintain();
  }
}

/**
 * pg-boss hands out messages of equal priority by (created_on, id), and one insert shares one created_on: an id
 * laid out like a UUIDv7 (milliseconds, then the item index, then random bits) makes a job's items come out in
 * index order, and jobs in submission order.
 */
export function orderedId(ms: number, index: number): string {
  const time = Math.floor(ms).toString(16).padStart(12, '0').slice(-12);
  // Variant bits 10, then 30 bits of index: 10 000 items fit many times over.
  const seq = ((0x80000000 | (index & 0x3fffffff)) >>> 0).toString(16).padStart(8, '0');
  const rand = randomBytes(4).toString('hex');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7000-${seq.slice(0, 4)}-${seq.slice(4, 8)}${rand}`;
}

function bossDb(q: Queryable): PgBoss.Db {
  return {
    executeSql: async (text: string, values: unknown[]) => {
      const result = await q.query(text, values);
      return { rows: result.rows };
    },
  };
}
