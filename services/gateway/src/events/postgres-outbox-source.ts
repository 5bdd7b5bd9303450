import type { OutboxRow, OutboxSource } from './outbox-source';
import type { SqlQueryable, SqlTransactor } from './sql-client';

/**
 * The outbox table as an OutboxSource, in plain SQL. A claim is a transaction holding row locks:
 *
 *   BEGIN;
 *   SELECT … FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $n FOR UPDATE SKIP LOCKED;
 *   -- drop candidates whose key has an earlier unpublished row outside the batch (held by another relay)
 *   UPDATE outbox SET published_at = clock_timestamp() WHERE id = ANY($ids);  COMMIT;   -- or ROLLBACK
 *
 * SKIP LOCKED lets several gateway replicas relay at once without sending a row twice; the key check keeps
 * each key in id order across replicas. The transaction stays open while the batch is in flight (and while
 * Kafka is down, up to one batch of row locks per relay); the rows are never deleted, so `GET /v1/events` and
 * audits can still read them.
 *
 * Per-key order is id order, and within a key id order is commit order: the outbox's insert trigger takes the
 * key's advisory lock before it draws the id (migration `outbox-key-order`, docs/events.md).
 *
 * The claim runs inside `db.transaction(fn)` (records/db.ts): `claimBatch` hands the rows out of the open
 * transaction and `markPublished` / `release` let it finish with COMMIT or ROLLBACK. One instance serves one
 * relay (it holds that relay's open claim).
 *
 * `soleRelay: true` is for a database that only one relay ever reads and that has one connection to share (the
 * embedded PGlite): rows are read without a transaction and marked in a statement of their own, so no
 * connection stays busy while a batch waits for Kafka.
 */
export class PostgresOutboxSource implements OutboxSource {
  private claim: OpenClaim | undefined;
  private readonly soleRelay: boolean;

  constructor(
    private readonly db: SqlTransactor,
    options: { soleRelay?: boolean } = {},
  ) {
    this.soleRelay = options.soleRelay ?? false;
  }

  async claimBatch(limit: number): Promise<OutboxRow[]> {
    if (this.claim) throw new Error('PostgresOutboxSource: a claim is already open');
    if (this.soleRelay) return this.readWithoutLocks(limit);
    let handOver!: (rows: OutboxRow[]) => void;
    const claimed = new Promise<OutboxRow[]>((resolve) => (handOver = resolve));
    let decide!: (decision: Decision) => void;
    const decision = new Promise<Decision>((resolve) => (decide = resolve));
    const done = this.db.transaction(async (tx) => {
      const candidates = (
        await tx.query(
          `SELECT id::text AS id, event_id::text AS event_id, topic, key, payload, created_at
             FROM outbox
            WHERE published_at IS NULL
            ORDER BY outbox.id
            LIMIT $1
              FOR UPDATE SKIP LOCKED`,
          [limit],
        )
      ).rows.map(toOutboxRow);
      const batch = candidates.length === 0 ? [] : await inKeyOrder(tx, candidates);
      handOver(batch);
      if (batch.length === 0) return;
      const outcome = await decision;
      if (outcome === 'release') throw RELEASED;
      await markRows(tx, outcome.publish);
    });
    // The rows, or the error that ended the transaction before it could hand them over.
    const rows = await Promise.race([claimed, done.then(() => [])]);
    if (rows.length > 0) {
      this.claim = {
        ids: new Set(rows.map((r) => r.id)),
        finish: (outcome) => {
          decide(outcome);
          return done;
        },
      };
    }
    return rows;
  }

  async markPublished(ids: readonly string[]): Promise<void> {
    const claim = this.claim;
    if (!claim) throw new Error('PostgresOutboxSource: no claim is open');
    const foreign = ids.filter((id) => !claim.ids.has(id));
    if (foreign.length > 0)
      throw new Error(`PostgresOutboxSource: rows ${foreign.join(', ')} are not claimed`);
    this.claim = undefined;
    await claim.finish({ publish: [...ids] });
  }

  /** soleRelay: a plain read; marking is a statement of its own. */
  private async readWithoutLocks(limit: number): Promise<OutboxRow[]> {
    const { rows } = await this.db.query(
      `SELECT id::text AS id, event_id::text AS event_id, topic, key, payload, created_at
         FROM outbox
        WHERE published_at IS NULL
        ORDER BY outbox.id
        LIMIT $1`,
      [limit],
    );
    const batch = rows.map(toOutboxRow);
    if (batch.length > 0) {
      this.claim = {
        ids: new Set(batch.map((r) => r.id)),
        finish: async (decision) => {
          if (decision !== 'release') await markRows(this.db, decision.publish);
        },
      };
    }
    return batch;
  }

  async release(_ids: readonly string[]): Promise<void> {
    const claim = this.claim;
    if (!claim) return;
    this.claim = undefined;
    await claim.finish('release').catch(() => undefined);
  }

  /** Creation time of the oldest unpublished row, for the lag metric. */
  async oldestUnpublishedAt(): Promise<Date | null> {
    const { rows } = await this.db.query(
      'SELECT min(created_at) AS oldest FROM outbox WHERE published_at IS NULL',
    );
    const oldest = rows[0]?.oldest;
    return oldest === null || oldest === undefined ? null : toDate(oldest);
  }
}

type Decision = { publish: string[] } | 'release';

interface OpenClaim {
  ids: Set<string>;
  /** Ends the claim: marks the rows named (COMMIT) or returns them all (ROLLBACK). */
  finish(decision: Decision): Promise<void>;
}

async function markRows(db: SqlQueryable, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query(
    `UPDATE outbox SET published_at = clock_timestamp()
      WHERE id = ANY($1::bigint[]) AND published_at IS NULL`,
    [ids],
  );
}

/** Thrown inside the claim's transaction to end it with ROLLBACK. */
const RELEASED = new Error('outbox claim released');

/**
 * Keeps the candidates that may go now: a candidate waits when an unpublished row of its key with a lower id
 * is not in the batch (another relay holds it, or it was skipped as locked).
 */
async function inKeyOrder(tx: SqlQueryable, candidates: OutboxRow[]): Promise<OutboxRow[]> {
  const keys = [...new Set(candidates.map((r) => r.key))];
  const ids = candidates.map((r) => r.id);
  const lastId = ids[ids.length - 1];
  const { rows } = await tx.query(
    `SELECT key, min(id)::text AS first_waiting
       FROM outbox
      WHERE published_at IS NULL
        AND key = ANY($1::text[])
        AND id < $2::bigint
        AND NOT (id = ANY($3::bigint[]))
      GROUP BY key`,
    [keys, lastId, ids],
  );
  const firstWaiting = new Map(rows.map((r) => [String(r.key), BigInt(String(r.first_waiting))]));
  return candidates.filter((r) => {
    const blocker = firstWaiting.get(r.key);
    return blocker === undefined || BigInt(r.id) < blocker;
  });
}

function toOutboxRow(r: Record<string, unknown>): OutboxRow {
  return {
    id: String(r.id),
    eventId: String(r.event_id),
    topic: String(r.topic),
    key: String(r.key),
    payload: r.payload,
    createdAt: toDate(r.created_at),
  };
}

function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}
