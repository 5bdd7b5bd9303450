export { createDatabase, isDatabaseUnavailable, mapDatabaseError } from './db';
export type { Database, DatabaseOptions, Queryable } from './db';
export { DEFAULT_MIGRATIONS_DIR, migrate } from './migrate';
export type { MigrateOptions, MigrationLog, MigrationOutcome } from './migrate';
export { DEFAULT_EMBEDDED_DATA_DIR, startEmbeddedPostgres } from './embedded-postgres';
export type { EmbeddedPostgres, EmbeddedPostgresOptions } from './embedded-postgres';
export { PostgresRecords } from './record-stores';
export type { RecordStores, RecordsTransactor } from './record-stores';
export { PostgresAuditStore } from './audit-store';
export type { AuditChainSource, AuditStore, AuditStoreOptions, CheckpointCheck } from './audit-store';
export { PostgresInspectionStore } from './inspection-store';
export type { InspectionRecord, InspectionStore, NewInspection } from './inspection-store';
export { PostgresOutboxStore } from './outbox-store';
export type { NewOutboxEvent, OutboxEvent, OutboxStore, OutboxTopic } from './outbox-store';
export { PostgresFeedbackStore } from './feedback-store';
export type { FeedbackRecord, FeedbackStore, NewFeedback } from './feedback-store';
export { EVENT_SCHEMA_VERSION } from './outbox-events';
export { DecisionRecorder } from './decision-recorder';
export type {
  CorrectionToRecord,
  DecisionToRecord,
  FeedbackToRecord,
  ModelChangeToRecord,
  RecordedDecision,
} from './decision-recorder';
export { AuditVerifier } from './audit-verifier';
export type { AuditVerification, ChainBreak, ChainBreakReason, CheckpointProblem } from './audit-verifier';
export { AUDIT_CSV_COLUMNS, AuditQuery } from './audit-query';
export type { AuditPage, AuditPageOptions } from './audit-query';
export { GENESIS_HASH } from './audit-types';
export type { Actor, AuditAction, AuditEntry, AuditFilter, NewAuditEntry } from './audit-types';
