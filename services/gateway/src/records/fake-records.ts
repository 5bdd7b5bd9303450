/**
 * In-memory record stores for unit tests of code that records decisions (HTTP routes, jobs, model lifecycle):
 * transactions are all-or-nothing, the audit chain is hashed exactly as the database does it (so AuditVerifier
 * verifies it), and `unavailable` simulates a database outage. Not for production.
 */
import { randomUUID } from 'node:crypto';
import { DuplicateIdempotencyKeyError, UnavailableError } from '../domain/errors';
import { auditRowHash } from './audit-canonical';
import type { AuditChainSource, AuditPageRequest, AuditStore, CheckpointCheck } from './audit-store';
import {
  GENESIS_HASH,
  type AuditEntry,
  type AuditFilter,
  type ChainRow,
  type NewAuditEntry,
} from './audit-types';
import type { FeedbackRecord, FeedbackStore, NewFeedback } from './feedback-store';
import type { InspectionRecord, InspectionStore, NewInspection } from './inspection-store';
import type { NewOutboxEvent, OutboxEvent, OutboxPageRequest, OutboxStore } from './outbox-store';
import type { PinStore } from './pin-store';
import type { RecordStores, RecordsTransactor } from './record-stores';

interface State {
  inspections: InspectionRecord[];
  audit: AuditEntry[];
  outbox: OutboxEvent[];
  feedback: FeedbackRecord[];
  pins: Record<string, string>;
}

export class InMemoryRecords implements RecordsTransactor, RecordStores, AuditChainSource {
  private state: State = { inspections: [], audit: [], outbox: [], feedback: [], pins: {} };
  /** When true every operation fails as the real stores do when Postgres is down. */
  unavailable = false;
  /** Called before every outbox append; throw from it to make a transaction fail part-way. */
  beforeOutboxAppend: (event: NewOutboxEvent) => void = () => undefined;

  readonly inspections: InspectionStore = {
    insert: async (i: NewInspection) => {
      this.check();
      if (this.state.inspections.some((r) => r.id === i.id)) throw new Error('duplicate inspection id');
      if (i.idempotencyKey !== undefined && this.findByKey(i.actor.name, i.idempotencyKey))
        throw new DuplicateIdempotencyKeyError(i.actor.name, i.idempotencyKey);
      // A copy, as a database row is: the caller may change its objects afterwards.
      const record = { ...structuredClone(i), createdAt: new Date() };
      this.state.inspections.push(record);
      return structuredClone(record);
    },
    get: async (id: string) => (this.check(), this.state.inspections.find((r) => r.id === id)),
    findByIdempotencyKey: async (actorName: string, key: string) => (
      this.check(),
      this.findByKey(actorName, key)
    ),
  };

  private findByKey(actorName: string, key: string): InspectionRecord | undefined {
    return this.state.inspections.find((r) => r.actor.name === actorName && r.idempotencyKey === key);
  }

  readonly audit: AuditStore = {
    append: async (entry: NewAuditEntry) => (this.check(), this.appendAudit(entry)),
    get: async (id: string) => (this.check(), this.state.audit.find((e) => e.id === id)),
    search: async (filter: AuditFilter, page: AuditPageRequest) => {
      this.check();
      const rows = this.state.audit.filter((e) => matches(e, filter));
      const ordered = page.order === 'desc' ? [...rows].reverse() : rows;
      const after = ordered.filter(
        (e) =>
          page.cursor === undefined || (page.order === 'desc' ? e.seq < page.cursor : e.seq > page.cursor),
      );
      return after.slice(0, page.limit);
    },
  };

  readonly outbox: OutboxStore = {
    append: async (event: NewOutboxEvent) => {
      this.check();
      this.beforeOutboxAppend(event);
      const row = { ...event, id: this.state.outbox.length + 1, createdAt: new Date(), publishedAt: null };
      this.state.outbox.push(row);
      return row;
    },
    unpublished: async (limit: number, afterId = 0) =>
      this.state.outbox.filter((e) => e.publishedAt === null && e.id > afterId).slice(0, limit),
    markPublished: async (ids: readonly number[]) => {
      let changed = 0;
      for (const e of this.state.outbox) {
        if (ids.includes(e.id) && e.publishedAt === null) {
          e.publishedAt = new Date();
          changed++;
        }
      }
      return changed;
    },
    page: async (r: OutboxPageRequest) =>
      this.state.outbox
        .filter((e) => e.id > (r.afterId ?? 0) && (r.topic === undefined || e.topic === r.topic))
        .slice(0, r.limit),
  };

  readonly feedback: FeedbackStore = {
    insert: async (f: NewFeedback) => {
      this.check();
      const key = f.idempotencyKey;
      if (key !== undefined && this.feedbackUnderKey(f.actor.name, key))
        throw new DuplicateIdempotencyKeyError(f.actor.name, key);
      const record = { ...f, id: randomUUID(), createdAt: new Date() };
      this.state.feedback.push(record);
      return record;
    },
    forInspection: async (id: string) => this.state.feedback.filter((f) => f.inspectionId === id),
    findByIdempotencyKey: async (actorName: string, key: string) => (
      this.check(),
      this.feedbackUnderKey(actorName, key)
    ),
  };

  private feedbackUnderKey(actorName: string, key: string): FeedbackRecord | undefined {
    return this.state.feedback.find((f) => f.actor.name === actorName && f.idempotencyKey === key);
  }

  readonly pins: PinStore = {
    set: async (model: string, version: string) => {
      this.check();
      this.state.pins[model] = version;
    },
    clear: async (model: string) => {
      this.check();
      const had = model in this.state.pins;
      delete this.state.pins[model];
      return had;
    },
    all: async () => ({ ...this.state.pins }),
  };

  async transaction<T>(fn: (stores: RecordStores) => Promise<T>): Promise<T> {
    this.check();
    const saved = structuredClone(this.state);
    try {
      return await fn(this);
    } catch (err) {
      this.state = saved;
      throw err;
    }
  }

  async chainPage(afterSeq: number, limit: number): Promise<ChainRow[]> {
    return this.state.audit
      .filter((e) => e.seq > afterSeq)
      .slice(0, limit)
      .map(toChainRow);
  }

  async checkpointPage(): Promise<CheckpointCheck[]> {
    return [];
  }

  private appendAudit(entry: NewAuditEntry): AuditEntry {
    const last = this.state.audit[this.state.audit.length - 1];
    const reason = entry.reason ?? null;
    if (entry.action !== 'inspection.decided' && (reason === null || reason.trim() === '')) {
      throw new Error('audit_trail_reason_required');
    }
    const base = {
      seq: (last?.seq ?? 0) + 1,
      id: entry.id ?? randomUUID(),
      actor: entry.actor,
      action: entry.action,
      entity: entry.entity,
      reason,
      correctsId: entry.correctsId ?? null,
      payload: JSON.parse(JSON.stringify(entry.payload)) as Record<string, unknown>,
      recordedAt: `${new Date().toISOString().slice(0, -1)}000Z`,
      prevHash: last?.rowHash ?? GENESIS_HASH,
      rowHash: '',
    };
    const row = { ...base, rowHash: auditRowHash(toChainRow(base)) };
    this.state.audit.push(row);
    return row;
  }

  private check(): void {
    if (this.unavailable) throw new UnavailableError('database unavailable');
  }
}

function toChainRow(e: AuditEntry): ChainRow {
  return {
    seq: e.seq,
    id: e.id,
    actorId: e.actor.name,
    actorRole: e.actor.role,
    action: e.action,
    entityType: e.entity.type,
    entityId: e.entity.id,
    reason: e.reason,
    correctsId: e.correctsId,
    payloadText: JSON.stringify(e.payload),
    recordedAt: e.recordedAt,
    prevHash: e.prevHash,
    rowHash: e.rowHash,
  };
}

function matches(e: AuditEntry, f: AuditFilter): boolean {
  const model = (e.payload.model as { name?: unknown } | undefined)?.name;
  const at = Date.parse(e.recordedAt);
  return (
    (f.from === undefined || at >= f.from.getTime()) &&
    (f.to === undefined || at < f.to.getTime()) &&
    (f.stationId === undefined || e.payload.stationId === f.stationId) &&
    (f.lotId === undefined || e.payload.lotId === f.lotId) &&
    (f.partId === undefined || e.payload.partId === f.partId) &&
    (f.model === undefined || model === f.model) &&
    (f.actor === undefined || e.actor.name === f.actor) &&
    (f.action === undefined || e.action === f.action) &&
    (f.entityType === undefined || e.entity.type === f.entityType) &&
    (f.entityId === undefined || e.entity.id === f.entityId)
  );
}
