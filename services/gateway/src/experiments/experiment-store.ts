/** The `experiments` and `experiment_items` tables, and the selection of recorded inspections to replay. */
import { onKeyTaken } from '../records/duplicate-key';
import type { Decision } from '../postprocess/decision-types';
import { firstRow, type Queryable } from '../records/db';
import { latestLabelOf, topClassOf } from '../records/labelled-sql';
import type { AbSummary } from './ab-routing';
import type { ExperimentSummary } from './experiment-summary';
import { createdWithin } from '../records/time-window';

export type ExperimentStatus = 'running' | 'completed' | 'failed';
export type ExperimentKind = 'replay' | 'ab';

/** An A/B split: the share of stations (or lots) whose requests that name no version go to the candidate. */
export interface AbSplit {
  by: 'station' | 'lot';
  fraction: number;
}

export interface ExperimentFilters {
  stationId?: string;
  lotId?: string;
  /** ISO timestamps: inspections created in [from, to). */
  from?: string;
  to?: string;
  /** Newest inspections first, at most this many. */
  limit: number;
}

export interface ExperimentRow {
  id: string;
  kind: ExperimentKind;
  split: AbSplit | null;
  model: string;
  candidateVersion: string;
  baselineVersion: string | null;
  filters: ExperimentFilters;
  status: ExperimentStatus;
  total: number;
  done: number;
  failed: number;
  createdBy: string;
  reason: string;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
  summary: ExperimentSummary | AbSummary | null;
  error: string | null;
  /** Replays: the gateway process running it, and until when it holds it (null once handed back). */
  runner: string | null;
  leaseUntil: Date | null;
  /** SHA-256 of the start request made under an Idempotency-Key; null without a key. */
  requestSha256: string | null;
}

/** A start request's Idempotency-Key and the digest of what was asked under it. */
export interface ExperimentIdempotency {
  key: string;
  requestSha256: string;
}

export interface ExperimentItem {
  index: number;
  inspectionId: string;
  objectKey: string;
  modality: string;
  stationId: string;
  lotId: string | null;
  partId: string | null;
  baselineVersion: string;
  baselineDecision: Decision;
  baselineTop: string | null;
  candidateDecision: Decision | null;
  candidateTop: string | null;
  candidateScores: Record<string, number> | null;
  label: string | null;
  error: string | null;
}

interface ExperimentDbRow {
  id: string;
  kind: ExperimentKind;
  split: AbSplit | null;
  model_name: string;
  candidate_version: string;
  baseline_version: string | null;
  filters: ExperimentFilters;
  status: ExperimentStatus;
  total: number;
  done: number;
  failed: number;
  created_by: string;
  reason: string;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  summary: ExperimentSummary | AbSummary | null;
  error: string | null;
  runner: string | null;
  lease_until: Date | null;
  request_sha256: string | null;
}

const COLUMNS = `id::text AS id, kind, split, model_name, candidate_version, baseline_version, filters, status, total, done, failed,
  created_by, reason, created_at, updated_at, finished_at, summary, error, runner, lease_until, request_sha256`;

/** `clock_timestamp()` plus a lease of $n milliseconds, in SQL. */
const leaseEnd = (n: number) => `clock_timestamp() + $${n}::double precision * interval '1 millisecond'`;

interface ItemDbRow {
  item_index: number;
  inspection_id: string;
  object_key: string;
  modality: string;
  station_id: string;
  lot_id: string | null;
  part_id: string | null;
  baseline_version: string;
  baseline_decision: Decision;
  baseline_top: string | null;
  candidate_decision: Decision | null;
  candidate_top: string | null;
  candidate_scores: Record<string, number> | null;
  label: string | null;
  error: string | null;
}

export class ExperimentStore {
  constructor(private readonly db: Queryable) {}

  /**
   * Inserts the experiment and one item per selected inspection (newest first): recorded inspections of `model`
   * with a stored input, decided by `baselineVersion` (or by any version but the candidate), within the filters.
   * Each item carries the inspection's latest feedback label, if any. Returns the row with its total.
   */
  async create(
    tx: Queryable,
    e: {
      id: string;
      model: string;
      candidateVersion: string;
      baselineVersion: string | null;
      filters: ExperimentFilters;
      createdBy: string;
      reason: string;
      idempotency?: ExperimentIdempotency;
    },
  ): Promise<ExperimentRow> {
    await tx
      .query(
        `INSERT INTO experiments (id, model_name, candidate_version, baseline_version, filters, total, created_by,
           reason, idempotency_key, request_sha256)
         VALUES ($1::uuid, $2, $3, $4, $5::jsonb, 0, $6, $7, $8, $9)`,
        [
          e.id,
          e.model,
          e.candidateVersion,
          e.baselineVersion,
          JSON.stringify(e.filters),
          e.createdBy,
          e.reason,
          e.idempotency?.key ?? null,
          e.idempotency?.requestSha256 ?? null,
        ],
      )
      .catch(onKeyTaken('experiments_idempotency_key', e.createdBy, e.idempotency?.key));
    const f = e.filters;
    // The newest matching inspections first (index on model, version, created_at); the class and label lookups run
    // only for the rows kept.
    const inserted = await tx.query(
      `INSERT INTO experiment_items (experiment_id, item_index, inspection_id, baseline_version, baseline_decision,
         baseline_top, label)
       SELECT $1::uuid, (row_number() OVER (ORDER BY s.created_at DESC, s.id DESC) - 1)::int, s.id, s.model_version,
              s.decision, ${topClassOf('s')}, ${latestLabelOf('s')}
       FROM (
         SELECT n.id, n.created_at, n.model_version, n.decision, n.scores
         FROM inspections n
         WHERE n.model_name = $2 AND n.object_key IS NOT NULL
           AND (CASE WHEN $3::text IS NULL THEN n.model_version <> $4 ELSE n.model_version = $3 END)
           AND ($5::text IS NULL OR n.station_id = $5)
           AND ($6::text IS NULL OR n.lot_id = $6)
           AND ${createdWithin(7, 8)}
         ORDER BY n.created_at DESC, n.id DESC
         LIMIT $9
       ) s`,
      [
        e.id,
        e.model,
        e.baselineVersion,
        e.candidateVersion,
        f.stationId ?? null,
        f.lotId ?? null,
        f.from ?? null,
        f.to ?? null,
        f.limit,
      ],
    );
    const { rows } = await tx.query<ExperimentDbRow>(
      `UPDATE experiments SET total = $2 WHERE id = $1::uuid RETURNING ${COLUMNS}`,
      [e.id, inserted.rowCount ?? 0],
    );
    return toRow(firstRow(rows));
  }

  /** Starts an A/B experiment: no items, running until it is stopped. */
  async createAb(
    tx: Queryable,
    e: {
      id: string;
      model: string;
      candidateVersion: string;
      split: AbSplit;
      createdBy: string;
      reason: string;
      idempotency?: ExperimentIdempotency;
    },
  ): Promise<ExperimentRow> {
    const { rows } = await tx
      .query<ExperimentDbRow>(
        `INSERT INTO experiments (id, kind, split, model_name, candidate_version, total, created_by, reason,
           idempotency_key, request_sha256)
         VALUES ($1::uuid, 'ab', $2::jsonb, $3, $4, 0, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
        [
          e.id,
          JSON.stringify(e.split),
          e.model,
          e.candidateVersion,
          e.createdBy,
          e.reason,
          e.idempotency?.key ?? null,
          e.idempotency?.requestSha256 ?? null,
        ],
      )
      .catch(onKeyTaken('experiments_idempotency_key', e.createdBy, e.idempotency?.key));
    return toRow(firstRow(rows));
  }

  /** The experiment the requester started under an Idempotency-Key, if any. */
  async underKey(createdBy: string, key: string): Promise<ExperimentRow | undefined> {
    const { rows } = await this.db.query<ExperimentDbRow>(
      `SELECT ${COLUMNS} FROM experiments WHERE created_by = $1 AND idempotency_key = $2`,
      [createdBy, key],
    );
    return rows[0] && toRow(rows[0]);
  }

  /** Running A/B experiments (at most one per model), for the router. */
  async activeAb(): Promise<ExperimentRow[]> {
    const { rows } = await this.db.query<ExperimentDbRow>(
      `SELECT ${COLUMNS} FROM experiments WHERE kind = 'ab' AND status = 'running' ORDER BY created_at`,
    );
    return rows.map(toRow);
  }

  async get(id: string): Promise<ExperimentRow | undefined> {
    const { rows } = await this.db.query<ExperimentDbRow>(
      `SELECT ${COLUMNS} FROM experiments WHERE id = $1::uuid`,
      [id],
    );
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  async list(limit: number): Promise<ExperimentRow[]> {
    const { rows } = await this.db.query<ExperimentDbRow>(
      `SELECT ${COLUMNS} FROM experiments ORDER BY created_at DESC, id DESC LIMIT $1`,
      [limit],
    );
    return rows.map(toRow);
  }

  /** Items with index ≥ `fromIndex`, in order; `disagreements` keeps only those decided differently. */
  async items(
    id: string,
    fromIndex: number,
    limit: number,
    opts: { pendingOnly?: boolean; disagreements?: boolean } = {},
  ): Promise<ExperimentItem[]> {
    const { rows } = await this.db.query<ItemDbRow>(
      `SELECT x.item_index, x.inspection_id::text AS inspection_id, n.object_key, n.modality, n.station_id, n.lot_id,
              n.part_id, x.baseline_version, x.baseline_decision, x.baseline_top, x.candidate_decision,
              x.candidate_top, x.candidate_scores, x.label, x.error
       FROM experiment_items x JOIN inspections n ON n.id = x.inspection_id
       WHERE x.experiment_id = $1::uuid AND x.item_index >= $2
         AND (NOT $4::boolean OR (x.candidate_decision IS NULL AND x.error IS NULL))
         AND (NOT $5::boolean OR x.candidate_decision <> x.baseline_decision)
       ORDER BY x.item_index LIMIT $3`,
      [id, fromIndex, limit, opts.pendingOnly ?? false, opts.disagreements ?? false],
    );
    return rows.map(toItem);
  }

  async allItems(id: string): Promise<ExperimentItem[]> {
    return this.items(id, 0, 1_000_000);
  }

  /**
   * Records the candidate's decision of one item and counts it (also the runner's heartbeat), unless the experiment
   * is no longer running (cancelled, perhaps through another gateway). Returns whether it was still running.
   */
  async recordItem(
    id: string,
    index: number,
    outcome: { decision: Decision; top: string | null; scores: Record<string, number> } | { error: string },
  ): Promise<boolean> {
    const decided = 'decision' in outcome;
    const { rows } = await this.db.query<{ status: ExperimentStatus }>(
      `WITH running AS (SELECT 1 FROM experiments WHERE id = $1::uuid AND status = 'running'),
       item AS (
         UPDATE experiment_items SET candidate_decision = $3, candidate_top = $4, candidate_scores = $5::jsonb,
                error = $6
         WHERE experiment_id = $1::uuid AND item_index = $2 AND candidate_decision IS NULL AND error IS NULL
           AND EXISTS (SELECT 1 FROM running)
         RETURNING 1),
       counted AS (
         UPDATE experiments SET done = done + (CASE WHEN $7 THEN 1 ELSE 0 END),
                failed = failed + (CASE WHEN $7 THEN 0 ELSE 1 END), updated_at = clock_timestamp()
         WHERE id = $1::uuid AND EXISTS (SELECT 1 FROM item)
         RETURNING 1)
       SELECT status FROM experiments WHERE id = $1::uuid`,
      [
        id,
        index,
        decided ? outcome.decision : null,
        decided ? outcome.top : null,
        decided ? JSON.stringify(outcome.scores) : null,
        decided ? null : outcome.error,
        decided,
      ],
    );
    return rows[0]?.status === 'running';
  }

  /** Makes `runner` the holder of a replay for `leaseMs` from now. */
  async hold(tx: Queryable, id: string, runner: string, leaseMs: number): Promise<void> {
    await tx.query(`UPDATE experiments SET runner = $2, lease_until = ${leaseEnd(3)} WHERE id = $1::uuid`, [
      id,
      runner,
      leaseMs,
    ]);
  }

  /** Extends the leases `runner` still holds on running replays; returns the ids it still holds. */
  async renew(runner: string, ids: string[], leaseMs: number): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await this.db.query<{ id: string }>(
      `UPDATE experiments SET lease_until = ${leaseEnd(3)}
       WHERE id = ANY($2::uuid[]) AND runner = $1 AND status = 'running' RETURNING id::text AS id`,
      [runner, ids, leaseMs],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Hands a replay back (its gateway is stopping): any gateway may take it over at once. */
  async release(runner: string, id: string): Promise<void> {
    await this.db.query(
      `UPDATE experiments SET runner = NULL, lease_until = clock_timestamp()
       WHERE id = $2::uuid AND runner = $1 AND status = 'running'`,
      [runner, id],
    );
  }

  /**
   * Takes over the oldest running replay whose lease has run out (its gateway stopped or died), for `leaseMs`;
   * undefined when there is none. Two gateways never take the same one (SKIP LOCKED, in the caller's transaction).
   */
  async takeOver(
    tx: Queryable,
    runner: string,
    leaseMs: number,
  ): Promise<{ row: ExperimentRow; previousRunner: string | null } | undefined> {
    const { rows } = await tx.query<ExperimentDbRow & { previous_runner: string | null }>(
      `UPDATE experiments e SET runner = $1, lease_until = ${leaseEnd(2)}
         FROM (SELECT id, runner AS previous_runner FROM experiments
               WHERE kind = 'replay' AND status = 'running'
                 AND (lease_until IS NULL OR lease_until < clock_timestamp())
               ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED) orphan
         WHERE e.id = orphan.id
         RETURNING ${COLUMNS.replace('id::text AS id', 'e.id::text AS id')}, orphan.previous_runner`,
      [runner, leaseMs],
    );
    const row = rows[0];
    return row ? { row: toRow(row), previousRunner: row.previous_runner } : undefined;
  }

  /**
   * Ends a running experiment: `completed` without an error, `failed` with one (a cancelled experiment keeps the
   * summary of what it compared). Undefined when it was no longer running: whoever ended it first wins.
   */
  async finish(
    tx: Queryable,
    id: string,
    outcome: { summary?: ExperimentSummary | AbSummary; error?: string },
  ): Promise<ExperimentRow | undefined> {
    const { rows } = await tx.query<ExperimentDbRow>(
      `UPDATE experiments SET status = $2, summary = $3::jsonb, error = $4, finished_at = clock_timestamp(),
              updated_at = clock_timestamp()
       WHERE id = $1::uuid AND status = 'running' RETURNING ${COLUMNS}`,
      [
        id,
        outcome.error === undefined ? 'completed' : 'failed',
        outcome.summary === undefined ? null : JSON.stringify(outcome.summary),
        outcome.error ?? null,
      ],
    );
    return rows[0] ? toRow(rows[0]) : undefined;
  }
}

function toRow(r: ExperimentDbRow): ExperimentRow {
  return {
    id: r.id,
    kind: r.kind,
    split: r.split,
    model: r.model_name,
    candidateVersion: r.candidate_version,
    baselineVersion: r.baseline_version,
    filters: r.filters,
    status: r.status,
    total: r.total,
    done: r.done,
    failed: r.failed,
    createdBy: r.created_by,
    reason: r.reason,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    summary: r.summary,
    error: r.error,
    runner: r.runner,
    leaseUntil: r.lease_until,
    requestSha256: r.request_sha256,
  };
}

function toItem(r: ItemDbRow): ExperimentItem {
  return {
    index: r.item_index,
    inspectionId: r.inspection_id,
    objectKey: r.object_key,
    modality: r.modality,
    stationId: r.station_id,
    lotId: r.lot_id,
    partId: r.part_id,
    baselineVersion: r.baseline_version,
    baselineDecision: r.baseline_decision,
    baselineTop: r.baseline_top,
    candidateDecision: r.candidate_decision,
    candidateTop: r.candidate_top,
    candidateScores: r.candidate_scores,
    label: r.label,
    error: r.error,
  };
}
