/**
 * The defect probabilities that every gateway replica recorded with its decisions (`inspections.defect_probability`):
 * the drift report's view across replicas, where each replica's in-memory window sees only its own requests.
 */
import type { Queryable } from '../records/db';

export interface RecordedScoreWindow {
  /** Oldest first. */
  values: number[];
  /** When the oldest and newest of them were recorded (database clock); null when there are none. */
  from: Date | null;
  to: Date | null;
}

export interface RecordedScores {
  /** The defect probabilities of the newest `limit` recorded decisions of one model version. */
  latest(model: string, version: string, limit: number): Promise<RecordedScoreWindow>;
}

export class PostgresRecordedScores implements RecordedScores {
  constructor(private readonly db: Queryable) {}

  async latest(model: string, version: string, limit: number): Promise<RecordedScoreWindow> {
    const { rows } = await this.db.query<{ p: number; created_at: Date }>(
      `SELECT defect_probability AS p, created_at FROM inspections
       WHERE model_name = $1 AND model_version = $2 AND defect_probability IS NOT NULL
       ORDER BY created_at DESC, id DESC LIMIT $3`,
      [model, version, limit],
    );
    return {
      values: rows.map((r) => r.p).reverse(),
      from: rows.at(-1)?.created_at ?? null,
      to: rows[0]?.created_at ?? null,
    };
  }
}
