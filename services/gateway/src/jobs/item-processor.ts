/**
 * Processes one item of a batch job and records it EXACTLY ONCE.
 *
 * Inference runs outside any transaction. The result is then written in one transaction that locks the job row
 * and the item row (`SELECT … FOR UPDATE`, in that order) and re-reads the item's status: if the item is
 * already final (another delivery of the same pg-boss message recorded it first) or the job was cancelled, the
 * result is dropped; otherwise the inspection row, its audit entry and its outbox events (the recorder's
 * in-transaction method), the item's `succeeded` status with its inspection id and the job's counters commit
 * together. Two deliveries of one item therefore serialize on the item lock and only the first records; a
 * delivery whose worker was killed either committed everything or nothing.
 */
import type { Logger } from 'pino';
import { findGatewayError, type ErrorCode } from '../domain/errors';
import type { DecidedInspection } from '../inspections/inspection-service';
import type { InspectionInput } from '../http/inspection-request';
import type { Database, Queryable } from '../records/db';
import type { DecisionRecorder, DecisionToRecord } from '../records/decision-recorder';
import type { AuditStoreOptions } from '../records/audit-store';
import { PostgresRecords, type RecordStores } from '../records/record-stores';
import type { ObjectStore } from '../storage/object-store';
import type { JobCompletion } from './job-completion';
import { FINAL_ITEM_STATUSES, type ItemRow, type JobRow, type JobStore } from './job-store';
import type { ItemMessage } from './job-queue';
import { decisionToRecord } from '../inspections/decision-record';

/** Routing, preprocessing, inference and postprocessing of one item (InspectionService.decide). */
export interface ItemDecider {
  decide(input: InspectionInput, ctx: { requestId: string }): Promise<DecidedInspection>;
}

export type ItemOutcome =
  | { kind: 'succeeded'; inspectionId: string }
  | { kind: 'failed'; error: string }
  | { kind: 'skipped' }
  /** Transient (Triton, object store or database unavailable): try again later, not counted as failed. */
  | { kind: 'retry'; delaySeconds: number; error: string }
  /** Unexpected error: hand back to pg-boss, whose retry budget and dead-letter queue bound it. */
  | { kind: 'redeliver'; error: string };

export interface ItemProcessorDeps {
  database: Database;
  store: JobStore;
  recorder: Pick<DecisionRecorder, 'recordDecisionIn'>;
  auditOptions?: AuditStoreOptions;
  objects: Pick<ObjectStore, 'get'>;
  inspections: ItemDecider;
  completion: JobCompletion;
  log: Logger;
  /** Backoff of transient retries: base × 2^(attempt-1), capped. Defaults 1 s and 60 s. */
  retryBaseSeconds?: number;
  retryMaxSeconds?: number;
}

/** Client errors: the item can never succeed, so it is marked failed with the message (experiments too). */
export const PERMANENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'bad_request',
  'not_found',
  'payload_too_large',
  'unsupported_media_type',
  'undecodable_image',
  'unusable_image',
]);
const TRANSIENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'unavailable',
  'deadline_exceeded',
  'too_many_requests',
]);

export class ItemProcessor {
  constructor(private readonly deps: ItemProcessorDeps) {}

  async process(message: ItemMessage): Promise<ItemOutcome> {
    const { store } = this.deps;
    const { jobId, index } = message;
    let item: ItemRow | undefined;
    let job: JobRow | undefined;
    let decided: DecidedInspection;
    try {
      item = await store.startItem(jobId, index);
      if (!item) return { kind: 'skipped' };
      job = await store.getJob(jobId);
      if (!job || job.cancelled || item.objectKey === null) return { kind: 'skipped' };
      const bytes = await this.deps.objects.get(item.objectKey);
      decided = await this.deps.inspections.decide(toInput(job, item, bytes), {
        requestId: `job-${jobId}-${index}`,
      });
    } catch (err) {
      return this.onError(message, item?.attempts ?? 1, err);
    }
    try {
      return await this.record(jobId, index, decided);
    } catch (err) {
      return this.onError(message, item.attempts, err);
    }
  }

  /** An item whose pg-boss retries ran out (dead-lettered): failed for good, with its last error. */
  async giveUp(message: ItemMessage): Promise<ItemOutcome> {
    return this.markFailed(
      message,
      (item) => `gave up after ${item.attempts} attempts: ${item.error ?? 'worker died'}`,
    );
  }

  private async onError(message: ItemMessage, attempts: number, err: unknown): Promise<ItemOutcome> {
    const domain = findGatewayError(err);
    const text = domain?.message ?? (err instanceof Error ? err.message : String(err));
    const log = this.deps.log.child({ jobId: message.jobId, item: message.index });
    if (domain && PERMANENT.has(domain.code)) {
      log.info({ code: domain.code, msg: text }, 'job item failed');
      return this.markFailed(message, () => text);
    }
    // The message is kept on the item (best effort) so a later give-up can say why.
    await this.deps.store.noteError(message.jobId, message.index, text).catch(() => undefined);
    if (domain && TRANSIENT.has(domain.code)) {
      const base = this.deps.retryBaseSeconds ?? 1;
      const delaySeconds = Math.min(this.deps.retryMaxSeconds ?? 60, base * 2 ** Math.max(0, attempts - 1));
      log.warn({ code: domain.code, msg: text, delaySeconds }, 'job item will be retried');
      return { kind: 'retry', delaySeconds, error: text };
    }
    log.error({ err }, 'job item hit an unexpected error');
    return { kind: 'redeliver', error: text };
  }

  private async record(jobId: string, index: number, decided: DecidedInspection): Promise<ItemOutcome> {
    return this.inTransaction(async (tx, stores) => {
      const job = await this.deps.store.lockJob(tx, jobId);
      const item = await this.deps.store.lockItem(tx, jobId, index);
      if (!job || !item || job.cancelled || FINAL_ITEM_STATUSES.includes(item.status)) {
        return { kind: 'skipped' };
      }
      const recorded = await this.deps.recorder.recordDecisionIn(stores, toDecision(job, item, decided));
      await this.deps.store.markSucceeded(tx, jobId, index, recorded.inspection.id);
      const counted = await this.deps.store.countItem(tx, jobId, 'done');
      await this.deps.completion.finishIfDone(tx, stores, counted);
      return { kind: 'succeeded', inspectionId: recorded.inspection.id };
    });
  }

  private async markFailed(message: ItemMessage, error: (item: ItemRow) => string): Promise<ItemOutcome> {
    const { jobId, index } = message;
    return this.inTransaction(async (tx, stores) => {
      const job = await this.deps.store.lockJob(tx, jobId);
      const item = await this.deps.store.lockItem(tx, jobId, index);
      if (!job || !item || job.cancelled || FINAL_ITEM_STATUSES.includes(item.status)) {
        return { kind: 'skipped' };
      }
      const text = error(item);
      await this.deps.store.markFailed(tx, jobId, index, text);
      const counted = await this.deps.store.countItem(tx, jobId, 'failed');
      await this.deps.completion.finishIfDone(tx, stores, counted);
      return { kind: 'failed', error: text };
    });
  }

  private inTransaction<T>(fn: (tx: Queryable, stores: RecordStores) => Promise<T>): Promise<T> {
    return this.deps.database.transaction((tx) => fn(tx, storesIn(tx, this.deps.auditOptions)));
  }
}

/** The record stores bound to a transaction the caller holds (their own `transaction` reuses it). */
export function storesIn(tx: Queryable, auditOptions: AuditStoreOptions = {}): RecordStores {
  const bound: Database = {
    query: (text, values) => tx.query(text, values),
    transaction: (fn) => fn(bound),
    ping: async () => undefined,
    close: async () => undefined,
  };
  return new PostgresRecords(bound, auditOptions);
}

function toInput(job: JobRow, item: ItemRow, bytes: Buffer): InspectionInput {
  const o = job.options;
  return {
    modality: o.modality,
    stationId: o.stationId,
    lotId: o.lotId ?? undefined,
    partId: o.partId ?? undefined,
    model: o.model ?? undefined,
    version: o.version ?? undefined,
    image: { bytes, filename: item.source },
    measurements: undefined,
  };
}

function toDecision(job: JobRow, item: ItemRow, decided: DecidedInspection): DecisionToRecord {
  // The item's bytes are already stored under their SHA-256: the key names exactly what was inspected.
  return decisionToRecord(decided, {
    objectKey: item.objectKey,
    actor: { name: job.createdBy, role: job.options.actorRole },
    jobId: job.id,
  });
}
