/**
 * The transactional outbox. Events are appended in the same transaction as the records they describe; the
 * Kafka relay reads unpublished rows in id order and marks them published once Kafka has acknowledged them.
 * Without a relay (embedded default) they stay here, readable page by page.
 */
import type { Queryable } from './db';
import { toSeq } from './audit-store';

export type OutboxTopic =
  'inspection.completed' | 'inspection.defect' | 'job.completed' | 'model.lifecycle' | 'inspection.labelled';

export interface NewOutboxEvent {
  eventId: string;
  topic: OutboxTopic;
  /** Kafka message key: per-key order is preserved. */
  key: string;
  payload: Readonly<Record<string, unknown>>;
}

export interface OutboxEvent extends NewOutboxEvent {
  /** Publish order. */
  id: number;
  createdAt: Date;
  publishedAt: Date | null;
}

export interface OutboxPageRequest {
  /** Events with id greater than this. */
  afterId?: number;
  limit: number;
  topic?: OutboxTopic;
}

export interface OutboxStore {
  append(event: NewOutboxEvent): Promise<OutboxEvent>;
  /** Unpublished events in publish order (after `afterId`), for the relay. */
  unpublished(limit: number, afterId?: number): Promise<OutboxEvent[]>;
  /** Marks events published (idempotent); returns how many changed. */
  markPublished(ids: readonly number[]): Promise<number>;
  /** All events in id order, published or not (GET /v1/events). */
  page(request: OutboxPageRequest): Promise<OutboxEvent[]>;
}

interface OutboxRow {
  id: string;
  event_id: string;
  topic: OutboxTopic;
  key: string;
  payload: Record<string, unknown>;
  created_at: Date;
  published_at: Date | null;
}

// Ordering names `outbox.id`: the bare name would be the text alias.
const COLUMNS = 'id::text AS id, event_id::text AS event_id, topic, key, payload, created_at, published_at';

export class PostgresOutboxStore implements OutboxStore {
  constructor(private readonly db: Queryable) {}

  async append(event: NewOutboxEvent): Promise<OutboxEvent> {
    const { rows } = await this.db.query<OutboxRow>(
      `INSERT INTO outbox (event_id, topic, key, payload) VALUES ($1::uuid, $2, $3, $4::jsonb)
       RETURNING ${COLUMNS}`,
      [event.eventId, event.topic, event.key, JSON.stringify(event.payload)],
    );
    const row = rows[0];
    if (!row) throw new Error('INSERT … RETURNING returned no row');
    return toEvent(row);
  }

  async unpublished(limit: number, afterId = 0): Promise<OutboxEvent[]> {
    const { rows } = await this.db.query<OutboxRow>(
      `SELECT ${COLUMNS} FROM outbox WHERE published_at IS NULL AND id > $1::bigint ORDER BY outbox.id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map(toEvent);
  }

  async markPublished(ids: readonly number[]): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.db.query(
      `UPDATE outbox SET published_at = clock_timestamp()
       WHERE id = ANY($1::bigint[]) AND published_at IS NULL`,
      [ids.map(String)],
    );
    return result.rowCount ?? 0;
  }

  async page(request: OutboxPageRequest): Promise<OutboxEvent[]> {
    const values: unknown[] = [request.afterId ?? 0, request.limit];
    let topic = '';
    if (request.topic !== undefined) {
      values.push(request.topic);
      topic = 'AND topic = $3';
    }
    const { rows } = await this.db.query<OutboxRow>(
      `SELECT ${COLUMNS} FROM outbox WHERE id > $1::bigint ${topic} ORDER BY outbox.id LIMIT $2`,
      values,
    );
    return rows.map(toEvent);
  }
}

function toEvent(r: OutboxRow): OutboxEvent {
  return {
    id: toSeq(r.id),
    eventId: r.event_id,
    topic: r.topic,
    key: r.key,
    payload: r.payload,
    createdAt: r.created_at,
    publishedAt: r.published_at,
  };
}
