/**
 * The record stores as one unit of work: `transaction(fn)` hands `fn` stores bound to one database transaction,
 * so a decision's inspection row, audit row and outbox rows commit together or not at all. Fakes implement the
 * same interface in memory.
 */
import type { Database, Queryable } from './db';
import { PostgresAuditStore, type AuditStore, type AuditStoreOptions } from './audit-store';
import { PostgresFeedbackStore, type FeedbackStore } from './feedback-store';
import { PostgresInspectionStore, type InspectionStore } from './inspection-store';
import { PostgresOutboxStore, type OutboxStore } from './outbox-store';
import { PostgresPinStore, type PinStore } from './pin-store';

export interface RecordStores {
  inspections: InspectionStore;
  audit: AuditStore;
  outbox: OutboxStore;
  feedback: FeedbackStore;
  pins: PinStore;
}

export interface RecordsTransactor {
  transaction<T>(fn: (stores: RecordStores) => Promise<T>): Promise<T>;
}

/** The Postgres stores: bound to the pool for reads (`records.audit.get(…)`), or to a transaction. */
export class PostgresRecords implements RecordsTransactor {
  readonly inspections: PostgresInspectionStore;
  readonly audit: PostgresAuditStore;
  readonly outbox: PostgresOutboxStore;
  readonly feedback: PostgresFeedbackStore;
  readonly pins: PostgresPinStore;

  constructor(
    private readonly db: Database,
    private readonly options: AuditStoreOptions = {},
  ) {
    ({
      inspections: this.inspections,
      audit: this.audit,
      outbox: this.outbox,
      feedback: this.feedback,
      pins: this.pins,
    } = postgresStores(db, options));
  }

  transaction<T>(fn: (stores: RecordStores) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(postgresStores(tx, this.options)));
  }
}

function postgresStores(q: Queryable, options: AuditStoreOptions) {
  return {
    inspections: new PostgresInspectionStore(q),
    audit: new PostgresAuditStore(q, options),
    outbox: new PostgresOutboxStore(q),
    feedback: new PostgresFeedbackStore(q),
    pins: new PostgresPinStore(q),
  };
}
