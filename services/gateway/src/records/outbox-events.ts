/**
 * The events written to the outbox (and published to Kafka by the relay). Every event is a JSON object with
 * `schemaVersion` (1), `eventId` (uuid; consumers de-duplicate on it), `type` (= the topic) and `occurredAt`
 * (database clock), `key` (the Kafka key), `audit` (the id, and for model changes the seq, of the audit entry
 * written in the same transaction) and `data` (the fields below) — the layout of docs/events.md, which
 * events/event-schema.ts validates. Fields are only ever added within a schema version.
 */
import type { AuditEntry } from './audit-types';
import type { InspectionRecord } from './inspection-store';
import type { NewOutboxEvent, OutboxTopic } from './outbox-store';

export const EVENT_SCHEMA_VERSION = 1;

/** Kafka key of inspection events: the station (default) or the lot (falling back to the station). */
export type InspectionEventKey = 'station' | 'lot';

function envelope(
  eventId: string,
  type: OutboxTopic,
  occurredAt: string,
  audit: { id: string; seq?: number },
): Record<string, unknown> {
  return { schemaVersion: EVENT_SCHEMA_VERSION, eventId, type, occurredAt, audit };
}

/**
 * `inspection.completed` always; `inspection.defect` too when the decision is not pass. `occurredAt` is the
 * inspection's database time; `audit.id` names the audit entry written in the same transaction.
 */
export function inspectionEvents(
  inspection: InspectionRecord,
  auditId: string,
  options: { key: InspectionEventKey; newId: () => string },
): NewOutboxEvent[] {
  const key = options.key === 'lot' ? (inspection.lotId ?? inspection.stationId) : inspection.stationId;
  const body = {
    inspectionId: inspection.id,
    requestId: inspection.requestId,
    stationId: inspection.stationId,
    lotId: inspection.lotId,
    partId: inspection.partId,
    modality: inspection.modality,
    model: inspection.model,
    decision: inspection.decision,
    defects: inspection.defects,
    scores: inspection.scores,
    inputSha256: inspection.inputSha256,
    objectKey: inspection.objectKey,
    jobId: inspection.jobId,
  };
  const topics: OutboxTopic[] =
    inspection.decision === 'pass' ? ['inspection.completed'] : ['inspection.completed', 'inspection.defect'];
  return topics.map((topic) => {
    const eventId = options.newId();
    const head = envelope(eventId, topic, inspection.createdAt.toISOString(), { id: auditId });
    return { eventId, topic, key, payload: { ...head, key, data: body } };
  });
}

/** `inspection.labelled`, keyed as the inspection's own events (station, or lot) so it follows them in order. */
export function inspectionLabelledEvent(
  inspection: InspectionRecord,
  feedback: { id: string; label: string; actor: { name: string; role: string }; reason: string },
  audit: AuditEntry,
  options: { key: InspectionEventKey; newId: () => string },
): NewOutboxEvent {
  const key = options.key === 'lot' ? (inspection.lotId ?? inspection.stationId) : inspection.stationId;
  const eventId = options.newId();
  return {
    eventId,
    topic: 'inspection.labelled',
    key,
    payload: {
      ...envelope(eventId, 'inspection.labelled', audit.recordedAt, { id: audit.id, seq: audit.seq }),
      key,
      data: {
        feedbackId: feedback.id,
        inspectionId: inspection.id,
        label: feedback.label,
        decision: inspection.decision,
        stationId: inspection.stationId,
        lotId: inspection.lotId,
        partId: inspection.partId,
        model: { name: inspection.model.name, version: inspection.model.version },
        actor: feedback.actor,
        reason: feedback.reason,
      },
    },
  };
}

export interface ModelLifecycleFacts {
  action: string;
  model: string;
  version: string | null;
  actor: { name: string; role: string };
  reason: string;
  details: Readonly<Record<string, unknown>>;
}

/** `model.lifecycle`, keyed by model name so one model's changes stay in order. */
export function modelLifecycleEvent(
  change: ModelLifecycleFacts,
  audit: AuditEntry,
  newId: () => string,
): NewOutboxEvent {
  const eventId = newId();
  return {
    eventId,
    topic: 'model.lifecycle',
    key: change.model,
    payload: {
      ...envelope(eventId, 'model.lifecycle', audit.recordedAt, { id: audit.id, seq: audit.seq }),
      key: change.model,
      data: {
        action: change.action,
        model: { name: change.model, version: change.version },
        actor: change.actor,
        reason: change.reason,
        details: change.details,
      },
    },
  };
}
