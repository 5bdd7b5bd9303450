/** Human labels for inspections (ground truth for accuracy monitoring). Append-only. */
import { onKeyTaken } from './duplicate-key';
import type { Queryable } from './db';
import type { Actor } from './audit-types';
import { isUuid } from './uuid';

export interface NewFeedback {
  inspectionId: string;
  /** pass, fail, or a defect class name. */
  label: string;
  actor: Actor;
  reason: string | null;
  /** The request's Idempotency-Key: unique per actor name. */
  idempotencyKey?: string;
}

export interface FeedbackRecord extends NewFeedback {
  id: string;
  /** Database clock. */
  createdAt: Date;
}

export interface FeedbackStore {
  /** Throws DuplicateIdempotencyKeyError when the actor already recorded a label under the same key. */
  insert(feedback: NewFeedback): Promise<FeedbackRecord>;
  /** The label the actor recorded under an Idempotency-Key, if any. */
  findByIdempotencyKey(actorName: string, key: string): Promise<FeedbackRecord | undefined>;
  /** Labels for one inspection, oldest first (the latest supersedes the others). */
  forInspection(inspectionId: string): Promise<FeedbackRecord[]>;
}

interface FeedbackRow {
  id: string;
  inspection_id: string;
  label: string;
  actor_id: string;
  actor_role: string;
  reason: string | null;
  created_at: Date;
  idempotency_key: string | null;
}

const COLUMNS =
  'id::text AS id, inspection_id::text AS inspection_id, label, actor_id, actor_role, reason, created_at, ' +
  'idempotency_key';

export class PostgresFeedbackStore implements FeedbackStore {
  constructor(private readonly db: Queryable) {}

  async insert(f: NewFeedback): Promise<FeedbackRecord> {
    const { rows } = await this.db
      .query<FeedbackRow>(
        `INSERT INTO feedback (inspection_id, label, actor_id, actor_role, reason, idempotency_key)
         VALUES ($1::uuid, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
        [f.inspectionId, f.label, f.actor.name, f.actor.role, f.reason, f.idempotencyKey ?? null],
      )
      .catch(onKeyTaken('feedback_idempotency_key', f.actor.name, f.idempotencyKey));
    const row = rows[0];
    if (!row) throw new Error('INSERT … RETURNING returned no row');
    return toRecord(row);
  }

  async forInspection(inspectionId: string): Promise<FeedbackRecord[]> {
    if (!isUuid(inspectionId)) return [];
    const { rows } = await this.db.query<FeedbackRow>(
      `SELECT ${COLUMNS} FROM feedback WHERE inspection_id = $1::uuid ORDER BY feedback.created_at, feedback.id`,
      [inspectionId],
    );
    return rows.map(toRecord);
  }

  async findByIdempotencyKey(actorName: string, key: string): Promise<FeedbackRecord | undefined> {
    const { rows } = await this.db.query<FeedbackRow>(
      `SELECT ${COLUMNS} FROM feedback WHERE actor_id = $1 AND idempotency_key = $2`,
      [actorName, key],
    );
    return rows[0] && toRecord(rows[0]);
  }
}

function toRecord(r: FeedbackRow): FeedbackRecord {
  return {
    id: r.id,
    inspectionId: r.inspection_id,
    label: r.label,
    actor: { name: r.actor_id, role: r.actor_role },
    reason: r.reason,
    ...(r.idempotency_key === null ? {} : { idempotencyKey: r.idempotency_key }),
    createdAt: r.created_at,
  };
}
