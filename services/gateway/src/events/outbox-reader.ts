import { z } from 'zod';
import { InputError } from '../domain/errors';
import { EVENT_TOPICS } from './event-schema';
import type { SqlQueryable } from './sql-client';

/** One outbox row as `GET /v1/events` shows it. */
export interface OutboxEntry {
  /** Cursor position (bigserial as a string). */
  id: string;
  eventId: string;
  topic: string;
  key: string;
  /** The event envelope, exactly as published (or to be published) to Kafka. */
  event: unknown;
  createdAt: string;
  publishedAt: string | null;
}

export interface OutboxPage {
  events: OutboxEntry[];
  /** Pass as `after` to read the next page; null at the end. */
  nextCursor: string | null;
}

export interface OutboxPageQuery {
  /** Return rows with id greater than this (the previous page's `nextCursor`). */
  after?: string;
  limit: number;
  topic?: string;
  key?: string;
  /** `pending`: not yet published (the embedded default keeps every event pending). */
  status: 'all' | 'pending' | 'published';
}

export const MAX_PAGE_SIZE = 1000;

const querySchema = z.object({
  after: z
    .string()
    .regex(/^\d{1,19}$/, { message: 'must be a cursor returned as nextCursor' })
    .optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(100),
  topic: z.enum(EVENT_TOPICS).optional(),
  key: z.string().min(1).max(200).optional(),
  status: z.enum(['all', 'pending', 'published']).default('all'),
});

/** Validates the query string of `GET /v1/events`; every problem is reported at once as an InputError. */
export function parseOutboxPageQuery(raw: Record<string, unknown>): OutboxPageQuery {
  const parsed = querySchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new InputError(`invalid event query: ${problems.join('; ')}`, { details: { problems } });
  }
  return parsed.data;
}

/** Pages through the outbox in id order (oldest first) with a keyset cursor. */
export class OutboxReader {
  constructor(private readonly db: SqlQueryable) {}

  async page(query: OutboxPageQuery): Promise<OutboxPage> {
    const { rows } = await this.db.query(
      `SELECT id::text AS id, event_id::text AS event_id, topic, key, payload, created_at, published_at
         FROM outbox
        WHERE ($1::bigint IS NULL OR id > $1::bigint)
          AND ($2::text IS NULL OR topic = $2::text)
          AND ($3::text IS NULL OR key = $3::text)
          AND ($4::text = 'all'
               OR ($4::text = 'pending' AND published_at IS NULL)
               OR ($4::text = 'published' AND published_at IS NOT NULL))
        ORDER BY outbox.id
        LIMIT $5`,
      [query.after ?? null, query.topic ?? null, query.key ?? null, query.status, query.limit + 1],
    );
    const more = rows.length > query.limit;
    const events = rows.slice(0, query.limit).map(toEntry);
    return { events, nextCursor: more ? (events[events.length - 1]?.id ?? null) : null };
  }
}

function toEntry(r: Record<string, unknown>): OutboxEntry {
  return {
    id: String(r.id),
    eventId: String(r.event_id),
    topic: String(r.topic),
    key: String(r.key),
    event: r.payload,
    createdAt: toIso(r.created_at),
    publishedAt: r.published_at === null || r.published_at === undefined ? null : toIso(r.published_at),
  };
}

function toIso(value: unknown): string {
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}
