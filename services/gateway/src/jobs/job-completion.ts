/**
 * The end of a job: when its last item is counted (or it is cancelled) the job row gets its final status, an
 * audit entry (`job.completed` / `job.cancelled`) and a `job.completed` outbox event, all in the transaction
 * that counted the item, so a job is reported finished exactly once.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../records/db';
import { EVENT_SCHEMA_VERSION } from '../records/outbox-events';
import type { Actor, AuditEntry } from '../records/audit-types';
import type { RecordStores } from '../records/record-stores';
import type { JobRow, JobStore } from './job-store';

export class JobCompletion {
  constructor(
    private readonly store: JobStore,
    private readonly systemActor: Actor,
    private readonly newId: () => string = randomUUID,
  ) {}

  /** Finishes the job when every item is done or failed; `job` is the row just counted (locked). */
  async finishIfDone(tx: Queryable, stores: RecordStores, job: JobRow): Promise<JobRow> {
    if (job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled') return job;
    if (job.done + job.failed < job.total) return job;
    const status = job.done === 0 && job.total > 0 ? 'failed' : 'completed';
    const finished = await this.store.finish(tx, job.id, status);
    await this.report(tx, stores, finished, {
      actor: this.systemActor,
      action: 'job.completed',
      reason: `all ${finished.total} items finished: ${finished.done} decided, ${finished.failed} failed`,
    });
    return finished;
  }

  /** Cancels the job (row locked by the caller) and reports it. */
  async cancel(
    tx: Queryable,
    stores: RecordStores,
    job: JobRow,
    actor: Actor,
    reason: string,
  ): Promise<JobRow> {
    const skipped = await this.store.cancelPendingItems(tx, job.id);
    const finished = await this.store.finish(tx, job.id, 'cancelled');
    await this.report(tx, stores, finished, { actor, action: 'job.cancelled', reason, skipped });
    return finished;
  }

  private async report(
    tx: Queryable,
    stores: RecordStores,
    job: JobRow,
    how: { actor: Actor; action: `job.${string}`; reason: string; skipped?: number },
  ): Promise<void> {
    const decisions = await this.store.decisionCounts(tx, job.id);
    const facts = {
      jobId: job.id,
      lotId: job.options.lotId,
      stationId: job.options.stationId,
      status: job.status,
      total: job.total,
      done: job.done,
      failed: job.failed,
      decisions,
      createdAt: job.createdAt.toISOString(),
      finishedAt: (job.finishedAt ?? new Date()).toISOString(),
    };
    const audit = await stores.audit.append({
      actor: how.actor,
      action: how.action,
      entity: { type: 'job', id: job.id },
      reason: how.reason,
      payload: { ...facts, ...(how.skipped === undefined ? {} : { skipped: how.skipped }) },
    });
    const eventId = this.newId();
    await stores.outbox.append({
      eventId,
      topic: 'job.completed',
      // Per the event schema: keyed by lot, or by the job when it has no lot.
      key: job.options.lotId ?? job.id,
      payload: { ...envelope(eventId, audit), key: job.options.lotId ?? job.id, data: facts },
    });
  }
}

/** The same envelope as the inspection and model events (records/outbox-events.ts). */
function envelope(eventId: string, audit: AuditEntry): Record<string, unknown> {
  return {
    schemaVersion: EVENT_SCHEMA_VERSION,
    eventId,
    type: 'job.completed',
    occurredAt: audit.recordedAt,
    audit: { seq: audit.seq, id: audit.id },
  };
}
