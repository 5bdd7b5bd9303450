/**
 * The relay's view of the outbox table (see infra's migration: id bigserial, event_id uuid unique, topic,
 * key, payload jsonb, created_at, published_at nullable). Rows are written by the records store in the same
 * transaction as the decision they describe; the relay only claims, publishes and marks them.
 */
export interface OutboxRow {
  /** bigserial, as a decimal string (how `pg` returns int8). Publication order within a key is id order. */
  id: string;
  eventId: string;
  topic: string;
  /** Kafka message key (station id, lot id or model name). */
  key: string;
  /** The event envelope (event-schema.ts), as stored in jsonb. */
  payload: unknown;
  createdAt: Date;
}

/**
 * Where the relay takes events from.
 *
 * A claim is a set of rows this relay alone may publish until it ends the claim:
 * - `claimBatch(limit)` returns at most `limit` unpublished rows in id order that no other claim holds, and
 *   never a row whose key has an earlier unpublished row outside this batch (so a later event of a key is
 *   never published while an earlier one waits, even with several relays). An empty array means nothing to do.
 * - `markPublished(ids)` marks those rows published and ends the claim; claimed rows not named go back to
 *   the outbox unpublished.
 * - `release(ids)` ends the claim holding those rows without marking anything.
 * One relay has at most one claim open at a time.
 */
export interface OutboxSource {
  claimBatch(limit: number): Promise<OutboxRow[]>;
  markPublished(ids: readonly string[]): Promise<void>;
  release(ids: readonly string[]): Promise<void>;
}
