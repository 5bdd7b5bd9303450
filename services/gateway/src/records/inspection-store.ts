/** The inspections table: one immutable row per recorded decision. */
import type { Decision, DefectReport } from '../postprocess/decision-types';
import type { PixelMoments } from '../drift/pixel-moments';
import { onKeyTaken } from './duplicate-key';
import type { Queryable } from './db';
import type { Actor } from './audit-types';
import { isUuid } from './uuid';

export interface NewInspection {
  id: string;
  requestId: string;
  stationId: string;
  lotId: string | null;
  partId: string | null;
  modality: string;
  /** The model and version that actually ran, and the SHA-256 of its config. */
  model: { name: string; version: string; configHash: string };
  inputSha256: string;
  objectKey: string | null;
  decision: Decision;
  /** Calibrated class probabilities, as returned to the client. */
  scores: Readonly<Record<string, number>>;
  /** The calibrated defect probability the review band was applied to (absent on rows recorded before it was kept). */
  defectProbability?: number;
  /** Image models: mean and population standard deviation of the UINT8 tensor the model was given. */
  pixels?: PixelMoments;
  defects: readonly DefectReport[];
  thresholds: Readonly<Record<string, unknown>>;
  preprocessing: Readonly<Record<string, unknown>>;
  timings: Readonly<Record<string, number>>;
  actor: Actor;
  jobId: string | null;
  /** Gateway clock, informational. */
  receivedAt: string | null;
  /** Items in the inference batch the decision ran in (absent on rows recorded before it was kept). */
  batchSize?: number;
  /** The online request's Idempotency-Key: unique per actor name. */
  idempotencyKey?: string;
}

export interface InspectionRecord extends NewInspection {
  /** Database clock. */
  createdAt: Date;
}

export interface InspectionStore {
  /** Throws DuplicateIdempotencyKeyError when the actor has already recorded a decision under the same key. */
  insert(inspection: NewInspection): Promise<InspectionRecord>;
  get(id: string): Promise<InspectionRecord | undefined>;
  /** The decision the actor recorded under an Idempotency-Key, if any. */
  findByIdempotencyKey(actorName: string, key: string): Promise<InspectionRecord | undefined>;
}

/** An `inspections` row as `pg` returns it. */
export interface InspectionRow {
  id: string;
  request_id: string;
  station_id: string;
  lot_id: string | null;
  part_id: string | null;
  modality: string;
  model_name: string;
  model_version: string;
  model_config_hash: string;
  input_sha256: string;
  object_key: string | null;
  decision: Decision;
  scores: Record<string, number>;
  defect_probability: number | null;
  /** Absent from queries that do not select them. */
  pixel_mean?: number | null;
  pixel_std?: number | null;
  defects: DefectReport[];
  thresholds: Record<string, unknown>;
  preprocessing: Record<string, unknown>;
  timings: Record<string, number>;
  actor_id: string;
  actor_role: string;
  job_id: string | null;
  received_at: Date | null;
  created_at: Date;
  batch_size: number | null;
  idempotency_key: string | null;
}

const COLUMNS = `id::text AS id, request_id, station_id, lot_id, part_id, modality, model_name, model_version,
  model_config_hash, input_sha256, object_key, decision, scores, defect_probability, pixel_mean, pixel_std, defects,
  thresholds, preprocessing, timings, actor_id, actor_role, job_id::text AS job_id, received_at, created_at,
  batch_size, idempotency_key`;

export class PostgresInspectionStore implements InspectionStore {
  constructor(private readonly db: Queryable) {}

  async insert(i: NewInspection): Promise<InspectionRecord> {
    const { rows } = await this.db
      .query<InspectionRow>(
        `INSERT INTO inspections (id, request_id, station_id, lot_id, part_id, modality, model_name,
         model_version, model_config_hash, input_sha256, object_key, decision, scores, defects, thresholds,
         preprocessing, timings, actor_id, actor_role, job_id, received_at, defect_probability, pixel_mean, pixel_std,
         batch_size, idempotency_key)
       VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14::jsonb, $15::jsonb,
         $16::jsonb, $17::jsonb, $18, $19, $20::uuid, $21::timestamptz, $22, $23, $24, $25, $26)
       RETURNING ${COLUMNS}`,
        [
          i.id,
          i.requestId,
          i.stationId,
          i.lotId,
          i.partId,
          i.modality,
          i.model.name,
          i.model.version,
          i.model.configHash,
          i.inputSha256,
          i.objectKey,
          i.decision,
          JSON.stringify(i.scores),
          JSON.stringify(i.defects),
          JSON.stringify(i.thresholds),
          JSON.stringify(i.preprocessing),
          JSON.stringify(i.timings),
          i.actor.name,
          i.actor.role,
          i.jobId,
          i.receivedAt,
          i.defectProbability ?? null,
          i.pixels?.mean ?? null,
          i.pixels?.std ?? null,
          i.batchSize ?? null,
          i.idempotencyKey ?? null,
        ],
      )
      .catch(onKeyTaken('inspections_idempotency_key', i.actor.name, i.idempotencyKey));
    const row = rows[0];
    if (!row) throw new Error('INSERT … RETURNING returned no row');
    return toRecord(row);
  }

  async get(id: string): Promise<InspectionRecord | undefined> {
    if (!isUuid(id)) return undefined;
    const { rows } = await this.db.query<InspectionRow>(
      `SELECT ${COLUMNS} FROM inspections WHERE id = $1::uuid`,
      [id],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async findByIdempotencyKey(actorName: string, key: string): Promise<InspectionRecord | undefined> {
    const { rows } = await this.db.query<InspectionRow>(
      `SELECT ${COLUMNS} FROM inspections WHERE actor_id = $1 AND idempotency_key = $2`,
      [actorName, key],
    );
    return rows[0] && toRecord(rows[0]);
  }
}

function toRecord(r: InspectionRow): InspectionRecord {
  return {
    id: r.id,
    requestId: r.request_id,
    stationId: r.station_id,
    lotId: r.lot_id,
    partId: r.part_id,
    modality: r.modality,
    model: { name: r.model_name, version: r.model_version, configHash: r.model_config_hash },
    inputSha256: r.input_sha256,
    objectKey: r.object_key,
    decision: r.decision,
    scores: r.scores,
    ...(r.defect_probability === null ? {} : { defectProbability: r.defect_probability }),
    ...(typeof r.pixel_mean === 'number' && typeof r.pixel_std === 'number'
      ? { pixels: { mean: r.pixel_mean, std: r.pixel_std } }
      : {}),
    defects: r.defects,
    thresholds: r.thresholds,
    preprocessing: r.preprocessing,
    timings: r.timings,
    actor: { name: r.actor_id, role: r.actor_role },
    jobId: r.job_id,
    receivedAt: r.received_at === null ? null : r.received_at.toISOString(),
    ...(r.batch_size === null ? {} : { batchSize: r.batch_size }),
    ...(r.idempotency_key === null ? {} : { idempotencyKey: r.idempotency_key }),
    createdAt: r.created_at,
  };
}
