/**
 * A lot at a glance, from the records: how many inspections, their decisions and yield, the defect classes
 * reported, which stations and model versions decided them, how many people have labelled, and how many review
 * decisions still wait for a label. One query per figure, each on the lot index.
 */
import { NotFoundError } from '../domain/errors';
import type { Decision } from '../postprocess/decision-types';
import type { Queryable } from '../records/db';

export interface LotSummary {
  lotId: string;
  inspections: number;
  decisions: Record<Decision, number>;
  /** Share decided `pass`. */
  passRate: number;
  /** Inspections reporting each defect class (one inspection may report several). */
  defects: Record<string, number>;
  stations: Array<{ stationId: string; inspections: number }>;
  models: Array<{ model: string; version: string; inspections: number }>;
  labelled: number;
  /** `review` decisions nobody has labelled yet (see GET /v1/reviews?lot=). */
  openReviews: number;
  firstAt: string;
  lastAt: string;
}

export class LotSummaries {
  constructor(private readonly db: Queryable) {}

  async summary(lotId: string): Promise<LotSummary> {
    const lot = [lotId];
    const [totals, stations, models, defects] = await Promise.all([
      this.db.query<{
        n: number;
        pass: number;
        review: number;
        fail: number;
        labelled: number;
        open_reviews: number;
        first_at: Date | null;
        last_at: Date | null;
      }>(
        `SELECT count(*)::int AS n,
                count(*) FILTER (WHERE decision = 'pass')::int AS pass,
                count(*) FILTER (WHERE decision = 'review')::int AS review,
                count(*) FILTER (WHERE decision = 'fail')::int AS fail,
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM feedback f WHERE f.inspection_id = n.id))::int AS labelled,
                count(*) FILTER (WHERE decision = 'review'
                  AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.inspection_id = n.id))::int AS open_reviews,
                min(created_at) AS first_at, max(created_at) AS last_at
         FROM inspections n WHERE lot_id = $1`,
        lot,
      ),
      this.db.query<{ station_id: string; n: number }>(
        `SELECT station_id, count(*)::int AS n FROM inspections WHERE lot_id = $1
         GROUP BY station_id ORDER BY n DESC, station_id`,
        lot,
      ),
      this.db.query<{ model_name: string; model_version: string; n: number }>(
        `SELECT model_name, model_version, count(*)::int AS n FROM inspections WHERE lot_id = $1
         GROUP BY model_name, model_version ORDER BY n DESC, model_name, model_version`,
        lot,
      ),
      this.db.query<{ class: string; n: number }>(
        `SELECT d->>'class' AS class, count(DISTINCT n.id)::int AS n
         FROM inspections n, jsonb_array_elements(n.defects) AS d
         WHERE n.lot_id = $1 AND d ? 'class'
         GROUP BY d->>'class' ORDER BY n DESC, class`,
        lot,
      ),
    ]);
    const t = totals.rows[0];
    if (!t || t.n === 0 || !t.first_at || !t.last_at)
      throw new NotFoundError(`no inspections recorded for lot '${lotId}'`);
    return {
      lotId,
      inspections: t.n,
      decisions: { pass: t.pass, review: t.review, fail: t.fail },
      passRate: Math.round((t.pass / t.n) * 10_000) / 10_000,
      defects: Object.fromEntries(defects.rows.map((r) => [r.class, r.n])),
      stations: stations.rows.map((r) => ({ stationId: r.station_id, inspections: r.n })),
      models: models.rows.map((r) => ({ model: r.model_name, version: r.model_version, inspections: r.n })),
      labelled: t.labelled,
      openReviews: t.open_reviews,
      firstAt: t.first_at.toISOString(),
      lastAt: t.last_at.toISOString(),
    };
  }
}
