/**
 * A lot or a station at a glance, from the records: how many inspections, their decisions and pass rate, the defect
 * classes reported, which stations (of a lot) or lots (of a station) and model versions decided them, how many
 * people have labelled, and how many review decisions still wait for a label; optionally within a time window. One
 * query per figure, each on the lot or the station index.
 */
import { NotFoundError } from '../domain/errors';
import type { Decision } from '../postprocess/decision-types';
import type { Queryable } from '../records/db';
import { checkWindow, createdWithin } from '../records/time-window';

export type SummaryScope = { lotId: string } | { stationId: string };

export interface RecordsSummary {
  scope: SummaryScope;
  from: string | null;
  to: string | null;
  inspections: number;
  decisions: Record<Decision, number>;
  /** Share decided `pass`. */
  passRate: number;
  /** Inspections reporting each defect class (one inspection may report several). */
  defects: Record<string, number>;
  /** Of a lot: its stations; of a station: its lots (null: inspections sent without a lot). */
  breakdown: Array<
    { stationId: string; inspections: number } | { lotId: string | null; inspections: number }
  >;
  models: Array<{ model: string; version: string; inspections: number }>;
  labelled: number;
  /** `review` decisions nobody has labelled yet (see GET /v1/reviews). */
  openReviews: number;
  firstAt: string;
  lastAt: string;
}

interface Totals {
  n: number;
  pass: number;
  review: number;
  fail: number;
  labelled: number;
  open_reviews: number;
  first_at: Date | null;
  last_at: Date | null;
}

const LABELLED = 'EXISTS (SELECT 1 FROM feedback f WHERE f.inspection_id = n.id)';

export class RecordSummaries {
  constructor(private readonly db: Queryable) {}

  async summary(scope: SummaryScope, window: { from?: string; to?: string } = {}): Promise<RecordsSummary> {
    checkWindow(window);
    const byLot = 'lotId' in scope;
    const [key, other] = byLot ? ['lot_id', 'station_id'] : ['station_id', 'lot_id'];
    const where = `n.${key} = $1 AND ${createdWithin(2, 3)}`;
    const params = [byLot ? scope.lotId : scope.stationId, window.from ?? null, window.to ?? null];
    const [totals, breakdown, models, defects] = await Promise.all([
      this.db.query<Totals>(
        `SELECT count(*)::int AS n,
                count(*) FILTER (WHERE n.decision = 'pass')::int AS pass,
                count(*) FILTER (WHERE n.decision = 'review')::int AS review,
                count(*) FILTER (WHERE n.decision = 'fail')::int AS fail,
                count(*) FILTER (WHERE ${LABELLED})::int AS labelled,
                count(*) FILTER (WHERE n.decision = 'review' AND NOT ${LABELLED})::int AS open_reviews,
                min(n.created_at) AS first_at, max(n.created_at) AS last_at
         FROM inspections n WHERE ${where}`,
        params,
      ),
      this.db.query<{ other: string | null; n: number }>(
        `SELECT n.${other} AS other, count(*)::int AS n FROM inspections n WHERE ${where}
         GROUP BY n.${other} ORDER BY n DESC, n.${other}`,
        params,
      ),
      this.db.query<{ model_name: string; model_version: string; n: number }>(
        `SELECT n.model_name, n.model_version, count(*)::int AS n FROM inspections n WHERE ${where}
         GROUP BY n.model_name, n.model_version ORDER BY n DESC, n.model_name, n.model_version`,
        params,
      ),
      this.db.query<{ class: string; n: number }>(
        `SELECT d->>'class' AS class, count(DISTINCT n.id)::int AS n
         FROM inspections n, jsonb_array_elements(n.defects) AS d
         WHERE ${where} AND d ? 'class'
         GROUP BY d->>'class' ORDER BY n DESC, class`,
        params,
      ),
    ]);
    const t = totals.rows[0];
    if (!t || t.n === 0 || !t.first_at || !t.last_at) {
      const what = byLot ? `lot '${scope.lotId}'` : `station '${scope.stationId}'`;
      const when = window.from !== undefined || window.to !== undefined ? ' in that window' : '';
      throw new NotFoundError(`no inspections recorded for ${what}${when}`);
    }
    return {
      scope,
      from: window.from ?? null,
      to: window.to ?? null,
      inspections: t.n,
      decisions: { pass: t.pass, review: t.review, fail: t.fail },
      passRate: Math.round((t.pass / t.n) * 10_000) / 10_000,
      defects: Object.fromEntries(defects.rows.map((r) => [r.class, r.n])),
      breakdown: breakdown.rows.map((r) =>
        byLot ? { stationId: r.other ?? '', inspections: r.n } : { lotId: r.other, inspections: r.n },
      ),
      models: models.rows.map((r) => ({ model: r.model_name, version: r.model_version, inspections: r.n })),
      labelled: t.labelled,
      openReviews: t.open_reviews,
      firstAt: t.first_at.toISOString(),
      lastAt: t.last_at.toISOString(),
    };
  }
}
