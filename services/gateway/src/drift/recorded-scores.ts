/**
 * The defect probabilities and pixel moments that every gateway replica recorded with its decisions
 * (`inspections.defect_probability`, `pixel_mean`, `pixel_std`): the drift report's view across replicas, where
 * each replica's in-memory window sees only its own requests.
 */
import type { Queryable } from '../records/db';

export interface RecordedScoreWindow {
  /** Defect probabilities, oldest first. */
  values: number[];
  /** The same decisions' pixel means and standard deviations, oldest first (decisions recorded without them left out). */
  pixelMeans: number[];
  pixelStds: number[];
  /** When the oldest and newest of them were recorded (database clock); null when there are none. */
  from: Date | null;
  to: Date | null;
}

export interface RecordedScores {
  /** What the newest `limit` recorded decisions of one model version were decided on. */
  latest(model: string, version: string, limit: number): Promise<RecordedScoreWindow>;
}

export class PostgresRecordedScores implements RecordedScores {
  constructor(private readonly db: Queryable) {}

  async latest(model: string, version: string, limit: number): Promise<RecordedScoreWindow> {
    const { rows } = await this.db.query<{
      p: number;
      mean: number | null;
      std: number | null;
      created_at: Date;
    }>(
      `SELECT defect_probability AS p, pixel_mean AS mean, pixel_std AS std, created_at FROM inspections
       WHERE model_name = $1 AND model_version = $2 AND defect_probability IS NOT NULL
       ORDER BY created_at DESC, id DESC LIMIT $3`,
      [model, version, limit],
    );
    const oldestFirst = rows.slice().reverse();
    const withPixels = oldestFirst.filter((r) => r.mean !== null && r.std !== null);
    return {
      values: oldestFirst.map((r) => r.p),
      pixelMeans: withPixels.map((r) => r.mean!),
      pixelStds: withPixels.map((r) => r.std!),
      from: rows.at(-1)?.created_at ?? null,
      to: rows[0]?.created_at ?? null,
    };
  }
}
