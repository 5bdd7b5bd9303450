/**
 * The review queue: inspections decided `review` (by default; `fail` too on request) that no person has labelled
 * yet, oldest first, so the people at the rework bench work through them in order. Labelling one through
 * `POST /v1/inspections/:id/feedback` takes it off the queue. Keyset pagination on (created_at, id): stable while new
 * decisions arrive and labelled ones leave.
 */
import { InputError } from '../domain/errors';
import type { Decision, DefectReport } from '../postprocess/decision-types';
import type { Queryable } from '../records/db';
import type { InspectionRow } from '../records/inspection-store';
import { topClassOf } from '../records/labelled-sql';

export interface ReviewFilter {
  decisions: Array<Extract<Decision, 'review' | 'fail'>>;
  stationId?: string;
  lotId?: string;
  model?: string;
}

export interface ReviewItem {
  inspectionId: string;
  decision: Decision;
  stationId: string;
  lotId: string | null;
  partId: string | null;
  modality: string;
  model: { name: string; version: string };
  /** The highest-scoring class and the defects reported, to start from. */
  topClass: string | null;
  defects: DefectReport[];
  scores: Record<string, number>;
  /** Where the exact input can be fetched (null when none was stored). */
  input: string | null;
  createdAt: string;
}

export interface ReviewPage {
  /** Open items matching the filter (all pages). */
  open: number;
  items: ReviewItem[];
  nextCursor: string | null;
}

type Row = Pick<
  InspectionRow,
  | 'decision'
  | 'station_id'
  | 'lot_id'
  | 'part_id'
  | 'modality'
  | 'model_name'
  | 'model_version'
  | 'defects'
  | 'scores'
  | 'object_key'
  | 'created_at'
> & {
  id: string;
  top: string | null;
  /** created_at as Postgres prints it: microseconds kept, which a JS Date would drop. */
  created_key: string;
};

export class ReviewQueue {
  constructor(private readonly db: Queryable) {}

  /** Open `review` decisions of one model (the review-backlog gauge). */
  async openCount(model: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM inspections n
       WHERE n.decision = 'review' AND n.model_name = $1
         AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.inspection_id = n.id)`,
      [model],
    );
    return rows[0]?.n ?? 0;
  }

  async page(filter: ReviewFilter, cursor: string | undefined, limit: number): Promise<ReviewPage> {
    const after = cursor === undefined ? undefined : parseCursor(cursor);
    const where = `n.decision = ANY ($1::text[])
        AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.inspection_id = n.id)
        AND ($2::text IS NULL OR n.station_id = $2)
        AND ($3::text IS NULL OR n.lot_id = $3)
        AND ($4::text IS NULL OR n.model_name = $4)`;
    const params = [filter.decisions, filter.stationId ?? null, filter.lotId ?? null, filter.model ?? null];
    const [count, page] = await Promise.all([
      this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM inspections n WHERE ${where}`, params),
      this.db.query<Row>(
        `SELECT s.*, ${topClassOf('s')} AS top
         FROM (SELECT n.id::text AS id, n.decision, n.station_id, n.lot_id, n.part_id, n.modality, n.model_name,
                      n.model_version, n.defects, n.scores, n.object_key, n.created_at,
                      n.created_at::text AS created_key
               FROM inspections n
               WHERE ${where}
                 AND ($5::timestamptz IS NULL OR (n.created_at, n.id) > ($5::timestamptz, $6::uuid))
               ORDER BY n.created_at, n.id
               LIMIT $7) s
         ORDER BY s.created_at, s.id`,
        [...params, after?.createdAt ?? null, after?.id ?? null, limit + 1],
      ),
    ]);
    const rows = page.rows.slice(0, limit);
    const last = rows[rows.length - 1];
    return {
      open: count.rows[0]?.n ?? 0,
      items: rows.map(toItem),
      nextCursor:
        page.rows.length > limit && last
          ? Buffer.from(`${last.created_key}|${last.id}`).toString('base64url')
          : null,
    };
  }
}

function parseCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const timestamp = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;
  if (!createdAt || !id || !timestamp.test(createdAt) || !/^[0-9a-f-]{36}$/.test(id))
    throw new InputError("'cursor' must be the nextCursor of a previous page");
  return { createdAt, id };
}

function toItem(r: Row): ReviewItem {
  return {
    inspectionId: r.id,
    decision: r.decision,
    stationId: r.station_id,
    lotId: r.lot_id,
    partId: r.part_id,
    modality: r.modality,
    model: { name: r.model_name, version: r.model_version },
    topClass: r.top,
    defects: r.defects,
    scores: r.scores,
    input: r.object_key === null ? null : `/v1/inspections/${r.id}/input`,
    createdAt: r.created_at.toISOString(),
  };
}
