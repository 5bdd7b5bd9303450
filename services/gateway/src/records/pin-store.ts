/** The `model_pins` table: the pinned version of each pinned model, shared by every gateway replica. */
import type { Queryable } from './db';

export interface PinStore {
  /** Pins `model` to `version` (replacing an earlier pin). */
  set(model: string, version: string): Promise<void>;
  /** Removes the pin; false when there was none. */
  clear(model: string): Promise<boolean>;
  all(): Promise<Record<string, string>>;
}

export class PostgresPinStore implements PinStore {
  constructor(private readonly db: Queryable) {}

  async set(model: string, version: string): Promise<void> {
    await this.db.query(
      `INSERT INTO model_pins (model_name, version) VALUES ($1, $2)
       ON CONFLICT (model_name) DO UPDATE SET version = EXCLUDED.version, pinned_at = clock_timestamp()`,
      [model, version],
    );
  }

  async clear(model: string): Promise<boolean> {
    const result = await this.db.query('DELETE FROM model_pins WHERE model_name = $1', [model]);
    return (result.rowCount ?? 0) > 0;
  }

  async all(): Promise<Record<string, string>> {
    const { rows } = await this.db.query<{ model_name: string; version: string }>(
      'SELECT model_name, version FROM model_pins ORDER BY model_name',
    );
    return Object.fromEntries(rows.map((r) => [r.model_name, r.version]));
  }
}
