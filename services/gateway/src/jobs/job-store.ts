/**
 * The `jobs` and `inspection_items` tables. Reads go through the pool; every write that must be consistent with
 * a decision takes a transaction's `Queryable`. Lock order, everywhere: the job row first, then item rows, then
 * (inside the recorder) the audit chain lock, so cancel and item transactions never deadlock each other.
 */
import type { Decision, DefectReport } from '../postprocess/decision-types';
import { onKeyTaken } from '../records/duplicate-key';
import { firstRow, type Queryable } from '../records/db';

export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
export type ItemStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** What the client asked for; kept in `jobs.options`. */
export interface JobOptions {
  modality: string;
  stationId: string;
  lotId: string | null;
  partId: string | null;
  model: string | null;
  version: string | null;
  /** Role of the submitting principal (`jobs.created_by` holds its name): the actor of the item decisions. */
  actorRole: string;
}

export interface NewJobItem {
  /** Uploaded file name, or the object key the client gave. */
  source: string;
  objectKey: string;
}

export interface JobRow {
  id: string;
  status: JobStatus;
  total: number;
  done: number;
  failed: number;
  createdBy: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  options: JobOptions;
  cancelled: boolean;
  /** The submission's Idempotency-Key and the digest of what was submitted under it (absent without a key). */
  idempotency?: JobIdempotency;
}

export interface JobIdempotency {
  key: string;
  requestSha256: string;
}

export interface ItemRow {
  index: number;
  source: string;
  objectKey: string | null;
  status: ItemStatus;
  inspectionId: string | null;
  error: string | null;
  attempts: number;
}

/** Which items a results page keeps: by decision (items without one are dropped) and by item status. */
export interface ResultFilter {
  decisions?: readonly Decision[];
  statuses?: readonly ItemStatus[];
}

export interface ItemResult extends ItemRow {
  decision: Decision | null;
  defects: DefectReport[] | null;
  scores: Record<string, number> | null;
  model: { name: string; version: string } | null;
}

interface JobDbRow {
  id: string;
  status: JobStatus;
  total: number;
  done: number;
  failed: number;
  created_by: string;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  options: JobOptions;
  cancelled: boolean;
  idempotency_key: string | null;
  request_sha256: string | null;
}

const JOB_COLUMNS = `id::text AS id, status, total, done, failed, created_by, created_at, started_at, finished_at,
  options, cancelled, idempotency_key, request_sha256`;

interface ItemDbRow {
  item_index: number;
  source: string;
  object_key: string | null;
  status: ItemStatus;
  inspection_id: string | null;
  error: string | null;
  attempts: number;
}

const ITEM_COLUMNS = `i.item_index, i.source, i.object_key, i.status, i.inspection_id::text AS inspection_id,
  i.error, i.attempts`;

/** Final item states: an item in one of these is never processed again. */
export const FINAL_ITEM_STATUSES: readonly ItemStatus[] = ['succeeded', 'failed', 'cancelled'];
export const FINAL_JOB_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

export class JobStore {
  constructor(private readonly db: Queryable) {}

  /**
   * Inserts the job and all its items (in the caller's transaction). Throws DuplicateIdempotencyKeyError when the
   * submitter already has a job under the same Idempotency-Key.
   */
  async insertJob(
    tx: Queryable,
    job: {
      id: string;
      createdBy: string;
      options: JobOptions;
      items: readonly NewJobItem[];
      idempotency?: JobIdempotency;
    },
  ): Promise<JobRow> {
    const key = job.idempotency?.key;
    const { rows } = await tx
      .query<JobDbRow>(
        `INSERT INTO jobs (id, total, created_by, options, idempotency_key, request_sha256)
         VALUES ($1::uuid, $2, $3, $4::jsonb, $5, $6)
         RETURNING ${JOB_COLUMNS}`,
        [
          job.id,
          job.items.length,
          job.createdBy,
          JSON.stringify(job.options),
          key ?? null,
          job.idempotency?.requestSha256 ?? null,
        ],
      )
      .catch(onKeyTaken('jobs_idempotency_key', job.createdBy, key));
    // One statement for all items: unnest keeps 10 000 items to one round trip.
    await tx.query(
      `INSERT INTO inspection_items (job_id, item_index, source, object_key)
       SELECT $1::uuid, ord - 1, source, object_key
       FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(source, object_key, ord)`,
      [job.id, job.items.map((i) => i.source), job.items.map((i) => i.objectKey)],
    );
    return toJob(firstRow(rows));
  }

  /** The job the submitter created under an Idempotency-Key, if any. */
  async jobUnderKey(createdBy: string, key: string): Promise<JobRow | undefined> {
    const { rows } = await this.db.query<JobDbRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE created_by = $1 AND idempotency_key = $2`,
      [createdBy, key],
    );
    return rows[0] && toJob(rows[0]);
  }

  async getJob(id: string, q: Queryable = this.db): Promise<JobRow | undefined> {
    const { rows } = await q.query<JobDbRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1::uuid`, [id]);
    return rows[0] && toJob(rows[0]);
  }

  /** The job row, locked until the caller's transaction ends. */
  async lockJob(tx: Queryable, id: string): Promise<JobRow | undefined> {
    const { rows } = await tx.query<JobDbRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1::uuid FOR UPDATE`,
      [id],
    );
    return rows[0] && toJob(rows[0]);
  }

  /** The item row, locked until the caller's transaction ends. */
  async lockItem(tx: Queryable, jobId: string, index: number): Promise<ItemRow | undefined> {
    const { rows } = await tx.query<ItemDbRow>(
      `SELECT ${ITEM_COLUMNS} FROM inspection_items i WHERE job_id = $1::uuid AND item_index = $2 FOR UPDATE`,
      [jobId, index],
    );
    return rows[0] && toItem(rows[0]);
  }

  /**
   * Marks a not-yet-final item `running` and counts the attempt; undefined when the item is final (done,
   * failed or cancelled) so the caller skips it. Also moves the job from queued to running.
   */
  async startItem(jobId: string, index: number): Promise<ItemRow | undefined> {
    const { rows } = await this.db.query<ItemDbRow>(
      `UPDATE inspection_items i SET status = 'running', attempts = attempts + 1, updated_at = clock_timestamp()
       WHERE job_id = $1::uuid AND item_index = $2 AND status IN ('queued', 'running')
       RETURNING ${ITEM_COLUMNS}`,
      [jobId, index],
    );
    if (!rows[0]) return undefined;
    await this.db.query(
      `UPDATE jobs SET status = 'running', started_at = coalesce(started_at, clock_timestamp())
       WHERE id = $1::uuid AND status = 'queued'`,
      [jobId],
    );
    return toItem(rows[0]);
  }

  async markSucceeded(tx: Queryable, jobId: string, index: number, inspectionId: string): Promise<void> {
    await tx.query(
      `UPDATE inspection_items SET status = 'succeeded', inspection_id = $3::uuid, error = NULL,
         updated_at = clock_timestamp()
       WHERE job_id = $1::uuid AND item_index = $2`,
      [jobId, index, inspectionId],
    );
  }

  async markFailed(tx: Queryable, jobId: string, index: number, error: string): Promise<void> {
    await tx.query(
      `UPDATE inspection_items SET status = 'failed', error = $3, updated_at = clock_timestamp()
       WHERE job_id = $1::uuid AND item_index = $2`,
      [jobId, index, error.slice(0, 2000)],
    );
  }

  /** Records a transient failure's message without changing the item's state. */
  async noteError(jobId: string, index: number, error: string): Promise<void> {
    await this.db.query(
      `UPDATE inspection_items SET error = $3, updated_at = clock_timestamp()
       WHERE job_id = $1::uuid AND item_index = $2`,
      [jobId, index, error.slice(0, 2000)],
    );
  }

  /** Adds one finished item to the job's counters (job row locked by the caller). */
  async countItem(tx: Queryable, jobId: string, outcome: 'done' | 'failed'): Promise<JobRow> {
    const column = outcome === 'done' ? 'done' : 'failed';
    const { rows } = await tx.query<JobDbRow>(
      `UPDATE jobs SET ${column} = ${column} + 1 WHERE id = $1::uuid RETURNING ${JOB_COLUMNS}`,
      [jobId],
    );
    return toJob(firstRow(rows));
  }

  /** Sets a final status (job row locked by the caller). */
  async finish(tx: Queryable, jobId: string, status: 'completed' | 'failed' | 'cancelled'): Promise<JobRow> {
    const { rows } = await tx.query<JobDbRow>(
      `UPDATE jobs SET status = $2, finished_at = clock_timestamp(), cancelled = cancelled OR $2 = 'cancelled'
       WHERE id = $1::uuid RETURNING ${JOB_COLUMNS}`,
      [jobId, status],
    );
    return toJob(firstRow(rows));
  }

  /** Marks every item that has not finished as cancelled; returns how many. */
  async cancelPendingItems(tx: Queryable, jobId: string): Promise<number> {
    const result = await tx.query(
      `UPDATE inspection_items SET status = 'cancelled', updated_at = clock_timestamp()
       WHERE job_id = $1::uuid AND status IN ('queued', 'running')`,
      [jobId],
    );
    return result.rowCount ?? 0;
  }

  /** Decisions of the job's recorded items, by decision. */
  async decisionCounts(tx: Queryable, jobId: string): Promise<Record<Decision, number>> {
    const { rows } = await tx.query<{ decision: Decision; n: number }>(
      `SELECT decision, count(*)::int AS n FROM inspections WHERE job_id = $1::uuid GROUP BY decision`,
      [jobId],
    );
    const counts: Record<Decision, number> = { pass: 0, review: 0, fail: 0 };
    for (const r of rows) counts[r.decision] = r.n;
    return counts;
  }

  /**
   * Items with index ≥ `fromIndex`, in index order, with their decisions; `filter` keeps only items whose decision
   * or item status is among those listed (an empty or absent list keeps all).
   */
  async results(
    jobId: string,
    fromIndex: number,
    limit: number,
    filter: ResultFilter = {},
  ): Promise<ItemResult[]> {
    const { rows } = await this.db.query<
      ItemDbRow & {
        decision: Decision | null;
        defects: DefectReport[] | null;
        scores: Record<string, number> | null;
        model_name: string | null;
        model_version: string | null;
      }
    >(
      `SELECT ${ITEM_COLUMNS}, n.decision, n.defects, n.scores, n.model_name, n.model_version
       FROM inspection_items i LEFT JOIN inspections n ON n.id = i.inspection_id
       WHERE i.job_id = $1::uuid AND i.item_index >= $2
         AND ($4::text[] IS NULL OR n.decision = ANY ($4::text[]))
         AND ($5::text[] IS NULL OR i.status = ANY ($5::text[]))
       ORDER BY i.item_index LIMIT $3`,
      [jobId, fromIndex, limit, nonEmpty(filter.decisions), nonEmpty(filter.statuses)],
    );
    return rows.map((r) => ({
      ...toItem(r),
      decision: r.decision,
      defects: r.defects,
      scores: r.scores,
      model:
        r.model_name === null || r.model_version === null
          ? null
          : { name: r.model_name, version: r.model_version },
    }));
  }
}

function nonEmpty(list: readonly string[] | undefined): string[] | null {
  return list && list.length > 0 ? [...list] : null;
}

function toJob(r: JobDbRow): JobRow {
  return {
    id: r.id,
    status: r.status,
    total: r.total,
    done: r.done,
    failed: r.failed,
    createdBy: r.created_by,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    options: r.options,
    cancelled: r.cancelled,
    ...(r.idempotency_key !== null && r.request_sha256 !== null
      ? { idempotency: { key: r.idempotency_key, requestSha256: r.request_sha256 } }
      : {}),
  };
}

function toItem(r: ItemDbRow): ItemRow {
  return {
    index: r.item_index,
    source: r.source,
    objectKey: r.object_key,
    status: r.status,
    inspectionId: r.inspection_id,
    error: r.error,
    attempts: r.attempts,
  };
}
