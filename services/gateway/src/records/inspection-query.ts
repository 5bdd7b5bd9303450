/**
 * Recorded inspections by station, lot, model, decision and time, page by page (keyset on created_at and id, with
 * the microseconds kept, so rows written in the same millisecond page without repeats): the inspections list and
 * the review queue (unlabelled decisions only, oldest first).
 */
import { InputError } from '../domain/errors';
import type { Decision, DefectReport } from '../postprocess/decision-types';
import type { Queryable } from './db';
import type { InspectionRow } from './inspection-store';
import { csvLine } from './audit-query';
import { topClassOf } from './labelled-sql';
import { checkWindow, createdWithin } from './time-window';

export const INSPECTION_CSV_COLUMNS = [
  'inspection_id',
  'created_at',
  'station_id',
  'lot_id',
  'part_id',
  'modality',
  'model',
  'version',
  'decision',
  'top_class',
  'top_score',
  'defects',
] as const;

export interface InspectionFilter {
  decisions?: readonly Decision[];
  stationId?: string;
  lotId?: string;
  /** The part (serial) id the station sent. */
  partId?: string;
  model?: string;
  /** ISO timestamps: created in [from, to). */
  from?: string;
  to?: string;
  /** Only inspections nobody has labelled (feedback). */
  unlabelledOnly?: boolean;
}

export interface InspectionSummary {
  inspectionId: string;
  decision: Decision;
  stationId: string;
  lotId: string | null;
  partId: string | null;
  modality: string;
  model: { name: string; version: string };
  /** The highest-scoring class and the defects reported. */
  topClass: string | null;
  defects: DefectReport[];
  scores: Record<string, number>;
  /** Where the exact input can be fetched (null when none was stored). */
  input: string | null;
  createdAt: string;
}

export interface InspectionPage {
  items: InspectionSummary[];
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

export class InspectionQuery {
  constructor(private readonly db: Queryable) {}

  /** How many match (for the review backlog; a count over the whole filter). */
  async count(filter: InspectionFilter): Promise<number> {
    const { where, params } = conditions(filter);
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM inspections n WHERE ${where}`,
      params,
    );
    return rows[0]?.n ?? 0;
  }

  async page(
    filter: InspectionFilter,
    cursor: string | undefined,
    limit: number,
    order: 'oldest' | 'newest',
  ): Promise<InspectionPage> {
    const after = cursor === undefined ? undefined : parseCursor(cursor);
    const { where, params } = conditions(filter);
    const k = params.length;
    const [cmp, dir] = order === 'oldest' ? ['>', 'ASC'] : ['<', 'DESC'];
    const { rows: found } = await this.db.query<Row>(
      `SELECT s.*, ${topClassOf('s')} AS top
       FROM (SELECT n.id::text AS id, n.decision, n.station_id, n.lot_id, n.part_id, n.modality, n.model_name,
                    n.model_version, n.defects, n.scores, n.object_key, n.created_at,
                    n.created_at::text AS created_key
             FROM inspections n
             WHERE ${where}
               AND ($${k + 1}::timestamptz IS NULL OR (n.created_at, n.id) ${cmp} ($${k + 1}::timestamptz, $${k + 2}::uuid))
             ORDER BY n.created_at ${dir}, n.id ${dir}
             LIMIT $${k + 3}) s
       ORDER BY s.created_at ${dir}, s.id ${dir}`,
      [...params, after?.createdAt ?? null, after?.id ?? null, limit + 1],
    );
    const rows = found.slice(0, limit);
    const last = rows[rows.length - 1];
    return {
      items: rows.map(toSummary),
      nextCursor:
        found.length > limit && last
          ? Buffer.from(`${last.created_key}|${last.id}`).toString('base64url')
          : null,
    };
  }
}

/** Every matching inspection as CSV lines (header first), page by page, in the given order. */
export async function* inspectionsCsv(
  query: Pick<InspectionQuery, 'page'>,
  filter: InspectionFilter,
  order: 'oldest' | 'newest',
): AsyncGenerator<string> {
  yield csvLine(INSPECTION_CSV_COLUMNS);
  let cursor: string | undefined;
  do {
    const page = await query.page(filter, cursor, 1000, order);
    if (page.items.length > 0) yield page.items.map((i) => csvLine(csvRow(i))).join('');
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

function csvRow(i: InspectionSummary): string[] {
  return [
    i.inspectionId,
    i.createdAt,
    i.stationId,
    i.lotId ?? '',
    i.partId ?? '',
    i.modality,
    i.model.name,
    i.model.version,
    i.decision,
    i.topClass ?? '',
    i.topClass === null ? '' : String(i.scores[i.topClass] ?? ''),
    i.defects.map((d) => d.class).join(' '),
  ];
}

function conditions(f: InspectionFilter): { where: string; params: unknown[] } {
  checkWindow(f);
  return {
    where: `($1::text[] IS NULL OR n.decision = ANY ($1::text[]))
      AND ($2::text IS NULL OR n.station_id = $2)
      AND ($3::text IS NULL OR n.lot_id = $3)
      AND ($4::text IS NULL OR n.model_name = $4)
      AND ${createdWithin(5, 6)}
      AND (NOT $7::boolean OR NOT EXISTS (SELECT 1 FROM feedback f WHERE f.inspection_id = n.id))
      AND ($8::text IS NULL OR n.part_id = $8)`,
    params: [
      f.decisions && f.decisions.length > 0 ? [...f.decisions] : null,
      f.stationId ?? null,
      f.lotId ?? null,
      f.model ?? null,
      f.from ?? null,
      f.to ?? null,
      f.unlabelledOnly ?? false,
      f.partId ?? null,
    ],
  };
}

function parseCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const timestamp = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;
  if (!createdAt || !id || !timestamp.test(createdAt) || !/^[0-9a-f-]{36}$/.test(id))
    throw new InputError("'cursor' must be the nextCursor of a previous page");
  return { createdAt, id };
}

function toSummary(r: Row): InspectionSummary {
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
