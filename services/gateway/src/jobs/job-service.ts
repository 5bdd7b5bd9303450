/**
 * Batch jobs as the API sees them: submit (job row + item rows + pg-boss messages in one transaction), status,
 * paginated results and cancel.
 */
import { createHash, randomUUID } from 'node:crypto';
import { InputError, NotFoundError } from '../domain/errors';
import { once } from '../domain/idempotent';
import { indexFromCursor, indexPage } from '../domain/index-pages';
import type { Actor } from '../records/audit-types';
import type { AuditStoreOptions } from '../records/audit-store';
import type { Database } from '../records/db';
import { isUuid } from '../records/uuid';
import type { JobCompletion } from './job-completion';
import type { JobQueue } from './job-queue';
import type { JobSubmission } from './job-request';
import type { Decision } from '../postprocess/decision-types';
import {
  FINAL_JOB_STATUSES,
  type ItemResult,
  type JobIdempotency,
  type JobRow,
  type JobStatus,
  type JobStore,
  type ResultFilter,
} from './job-store';
import { storesIn } from './item-processor';

export interface JobView {
  jobId: string;
  status: JobStatus;
  total: number;
  done: number;
  failed: number;
  /** (done + failed) / total, 0–1. */
  progress: number;
  createdBy: string;
  modality: string;
  stationId: string;
  lotId: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** From start to finish (or to now while running); null while queued. */
  durationMs: number | null;
  /** Finished items per second over `durationMs`; null while queued. */
  throughput: number | null;
  /** Decisions recorded so far, by decision (failed and skipped items have none). */
  decisions: Record<Decision, number>;
}

export interface ResultItem {
  index: number;
  source: string;
  status: ItemResult['status'];
  inspectionId: string | null;
  decision: ItemResult['decision'];
  defects: ItemResult['defects'];
  scores: ItemResult['scores'];
  model: ItemResult['model'];
  error: string | null;
  attempts: number;
}

export interface ResultsPage {
  jobId: string;
  items: ResultItem[];
  /** Pass as `cursor` for the next page; null after the last item. */
  nextCursor: string | null;
}

export type CancelOutcome = { cancelled: true; job: JobView } | { cancelled: false; job: JobView };

export interface JobServiceDeps {
  database: Database;
  store: JobStore;
  queue: JobQueue;
  completion: JobCompletion;
  auditOptions?: AuditStoreOptions;
}

export class JobService {
  constructor(private readonly deps: JobServiceDeps) {}

  /**
   * Creates the job (job row, item rows and queue messages in one transaction). With an Idempotency-Key the
   * submitter already created a job under, that job is answered again (`replayed`) if the submission is the same
   * one (same options and items in the same order), else IdempotencyKeyReusedError; two such submissions at once
   * create one job.
   */
  async submit(
    submission: JobSubmission,
    principal: Actor,
    idempotencyKey?: string,
  ): Promise<{ jobId: string; total: number; replayed: boolean }> {
    const idempotency: JobIdempotency | undefined =
      idempotencyKey === undefined
        ? undefined
        : { key: idempotencyKey, requestSha256: submissionDigest(submission) };
    const { value, replayed } = await once<JobRow, { jobId: string; total: number }>({
      key: idempotencyKey,
      what: 'job',
      earlier: (key) => this.deps.store.jobUnderKey(principal.name, key),
      differences: (earlier) =>
        earlier.idempotency?.requestSha256 === idempotency?.requestSha256
          ? []
          : ['options, images or their order'],
      describe: (earlier) => ({ jobId: earlier.id }),
      create: () => this.create(submission, principal, idempotency),
      replay: (earlier) => ({ jobId: earlier.id, total: earlier.total }),
    });
    return { ...value, replayed };
  }

  /** The job row, its item rows and their queue messages, in one transaction. */
  private async create(
    submission: JobSubmission,
    principal: Actor,
    idempotency: JobIdempotency | undefined,
  ): Promise<{ jobId: string; total: number }> {
    const jobId = randomUUID();
    const { fields, items } = submission;
    await this.deps.database.transaction(async (tx) => {
      await this.deps.store.insertJob(tx, {
        id: jobId,
        createdBy: principal.name,
        options: { ...fields, actorRole: principal.role },
        items,
        ...(idempotency ? { idempotency } : {}),
      });
      await this.deps.queue.enqueue(
        tx,
        items.map((_, index) => ({ jobId, index })),
      );
    });
    return { jobId, total: items.length };
  }

  async get(id: string): Promise<JobView> {
    const job = await this.find(id);
    return view(job, await this.deps.store.decisionCounts(this.deps.database, job.id));
  }

  async results(
    id: string,
    cursor: string | undefined,
    limit: number,
    filter: ResultFilter = {},
  ): Promise<ResultsPage> {
    const job = await this.find(id);
    const rows = await this.deps.store.results(job.id, indexFromCursor(cursor), limit + 1, filter);
    const { page, nextCursor } = indexPage(rows, limit);
    return {
      jobId: job.id,
      items: page.map((r) => ({
        index: r.index,
        source: r.source,
        status: r.status,
        inspectionId: r.inspectionId,
        decision: r.decision,
        defects: r.defects,
        scores: r.scores,
        model: r.model,
        error: r.error,
        attempts: r.attempts,
      })),
      nextCursor,
    };
  }

  /** Cancels a job that has not finished: its pending items are skipped. */
  async cancel(id: string, actor: Actor, reason: string | undefined): Promise<CancelOutcome> {
    checkId(id);
    return this.deps.database.transaction(async (tx) => {
      const job = await this.deps.store.lockJob(tx, id);
      if (!job) throw new NotFoundError(`job '${id}' not found`);
      const decisions = () => this.deps.store.decisionCounts(tx, id);
      if (FINAL_JOB_STATUSES.includes(job.status))
        return { cancelled: false, job: view(job, await decisions()) };
      const stores = storesIn(tx, this.deps.auditOptions);
      const why = reason?.trim() || `cancelled by ${actor.name}`;
      const finished = await this.deps.completion.cancel(tx, stores, job, actor, why);
      return { cancelled: true, job: view(finished, await decisions()) };
    });
  }

  private async find(id: string): Promise<JobRow> {
    checkId(id);
    const job = await this.deps.store.getJob(id);
    if (!job) throw new NotFoundError(`job '${id}' not found`);
    return job;
  }
}

function checkId(id: string): void {
  if (!isUuid(id)) throw new InputError(`'${id.slice(0, 64)}' is not a job id (a UUID)`);
}

/** SHA-256 of what a submission asks for: its options and its items (source and object key), in order. */
function submissionDigest(submission: JobSubmission): string {
  const f = submission.fields;
  const canonical = JSON.stringify({
    fields: [f.modality, f.stationId, f.lotId, f.partId, f.model, f.version],
    items: submission.items.map((i) => [i.source, i.objectKey]),
  });
  return createHash('sha256').update(canonical).digest('hex');
}

function view(job: JobRow, decisions: Record<Decision, number>): JobView {
  const finishedItems = job.done + job.failed;
  const started = job.startedAt?.getTime();
  const end = job.finishedAt?.getTime() ?? Date.now();
  const durationMs = started === undefined ? null : Math.max(0, end - started);
  return {
    jobId: job.id,
    status: job.status,
    total: job.total,
    done: job.done,
    failed: job.failed,
    progress: job.total === 0 ? 1 : finishedItems / job.total,
    createdBy: job.createdBy,
    modality: job.options.modality,
    stationId: job.options.stationId,
    lotId: job.options.lotId,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    durationMs,
    throughput:
      durationMs === null ? null : durationMs === 0 ? null : round((finishedItems * 1000) / durationMs),
    decisions,
  };
}

const round = (n: number): number => Math.round(n * 100) / 100;
