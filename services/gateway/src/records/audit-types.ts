/** The audit trail's vocabulary, shared by its store, verifier, query and the recorders. */

/** Who acted: the authenticated principal (same shape as `http/auth`'s Principal) or a system component. */
export interface Actor {
  name: string;
  role: string;
}

/**
 * Dotted action names. Decisions need no reason; every other action does (the database enforces it).
 * Model lifecycle actions are open-ended (`model.loaded`, `model.unload_requested`, `model.pinned`…).
 */
export type AuditAction =
  | 'inspection.decided'
  | 'feedback.recorded'
  | 'audit.correction'
  | `model.${string}`
  | `job.${string}`
  | `experiment.${string}`;

export type AuditEntityType = 'inspection' | 'model' | 'feedback' | 'job' | 'experiment' | 'audit_entry';

export interface NewAuditEntry {
  /** Defaults to a database-generated uuid. */
  id?: string;
  actor: Actor;
  action: AuditAction;
  entity: { type: AuditEntityType; id: string };
  /** Required (non-blank) for every action except `inspection.decided`. */
  reason?: string | null;
  /** Only for `audit.correction`: the id of the entry being corrected. */
  correctsId?: string;
  payload: Readonly<Record<string, unknown>>;
}

export interface AuditEntry {
  /** Position in the chain, from 1, without gaps. */
  seq: number;
  id: string;
  actor: Actor;
  action: string;
  entity: { type: string; id: string };
  reason: string | null;
  correctsId: string | null;
  payload: Record<string, unknown>;
  /** Database clock, ISO 8601 UTC with microseconds (the exact text that was hashed). */
  recordedAt: string;
  prevHash: string;
  rowHash: string;
}

export interface AuditCheckpoint {
  seq: number;
  rowHash: string;
  createdAt: string;
}

/**
 * One chain row exactly as hashed: every field as text, the payload as jsonb prints it (numbers keep their
 * digits), so the verifier recomputes the hash without trusting a JavaScript number round trip.
 */
export interface ChainRow {
  seq: number;
  id: string;
  actorId: string;
  actorRole: string;
  action: string;
  entityType: string;
  entityId: string;
  reason: string | null;
  correctsId: string | null;
  payloadText: string;
  recordedAt: string;
  prevHash: string;
  rowHash: string;
}

/** Filters of the audit query; every one optional, combined with AND. */
export interface AuditFilter {
  /** Inclusive lower bound on recorded_at. */
  from?: Date;
  /** Exclusive upper bound on recorded_at. */
  to?: Date;
  stationId?: string;
  lotId?: string;
  /** Part (serial) id: decisions on the part, their labels and corrections. */
  partId?: string;
  /** Model name (decisions and model changes). */
  model?: string;
  actor?: string;
  action?: string;
  entityType?: string;
  entityId?: string;
}

export const GENESIS_HASH = '0'.repeat(64);
