import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * The events the gateway publishes (docs/events.md is the reader's copy of this file). Every message is a JSON
 * envelope: `schemaVersion`, `eventId` (UUID, also the `eventId` header: consumers deduplicate on it),
 * `type` (= the topic), `occurredAt`, `key` (= the Kafka message key), `audit` (the audit-trail entry written
 * in the same transaction, when there is one) and `data`.
 *
 * Compatibility rule: within schemaVersion 1 fields are only added, never renamed, retyped or removed, so a
 * consumer must ignore fields it does not know. Anything else is schemaVersion 2, published alongside.
 */
export const SCHEMA_VERSION = 1;

export const EVENT_TOPICS = [
  'inspection.completed',
  'inspection.defect',
  'job.completed',
  'model.lifecycle',
  'inspection.labelled',
] as const;
export type EventTopic = (typeof EVENT_TOPICS)[number];

const isoTime = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'must be an ISO-8601 time' });

const defect = z.object({
  class: z.string(),
  confidence: z.number().min(0).max(1),
  severity: z.enum(['minor', 'major', 'critical']),
  region: z
    .object({ x: z.number().int(), y: z.number().int(), width: z.number().int(), height: z.number().int() })
    .optional(),
  areaFraction: z.number().min(0).max(1).optional(),
});

const inspectionFacts = {
  inspectionId: z.string(),
  /** The HTTP request that asked for it (also in the gateway's logs). */
  requestId: z.string(),
  stationId: z.string(),
  lotId: z.string().nullable(),
  partId: z.string().nullable(),
  /** The batch job the image belonged to; null for online inspections. */
  jobId: z.string().nullable(),
  modality: z.string(),
  /** The model version that actually ran, and the SHA-256 of its config. */
  model: z.object({ name: z.string().min(1), version: z.string(), configHash: z.string().optional() }),
  defects: z.array(defect),
  /** Calibrated probability per class. */
  scores: z.record(z.string(), z.number()),
  /** SHA-256 (hex) of the exact bytes inspected. */
  inputSha256: z.string().nullable(),
  /** Object-store key of those bytes; null when not stored. */
  objectKey: z.string().nullable(),
};

/** `inspection.completed` — every recorded decision (online or from a batch job). Key: station (or lot). */
export const inspectionCompletedData = z.object({
  ...inspectionFacts,
  decision: z.enum(['pass', 'review', 'fail']),
});

/** `inspection.defect` — the same facts, only for decisions `fail` and `review` (alarms). Key: as above. */
export const inspectionDefectData = z.object({
  ...inspectionFacts,
  decision: z.enum(['review', 'fail']),
});

/** `job.completed` — a batch job reached a final state. Key: lot id, or the job id when the job has no lot. */
export const jobCompletedData = z.object({
  jobId: z.string(),
  lotId: z.string().nullable(),
  status: z.enum(['completed', 'failed', 'cancelled']),
  total: z.number().int().nonnegative(),
  done: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  decisions: z.object({
    pass: z.number().int().nonnegative(),
    review: z.number().int().nonnegative(),
    fail: z.number().int().nonnegative(),
  }),
  createdAt: isoTime,
  finishedAt: isoTime,
});

/** `model.lifecycle` — a model was loaded, unloaded, pinned, … (or such a request failed). Key: model name. */
export const modelLifecycleData = z.object({
  /** e.g. model.load_requested, model.loaded, model.load_failed, model.unloaded, model.pinned, model.unpinned */
  action: z.string().regex(/^model\.[a-z_]+$/),
  model: z.object({ name: z.string().min(1), version: z.string().nullable() }),
  actor: z.object({ name: z.string(), role: z.string() }),
  reason: z.string(),
  details: z.record(z.string(), z.unknown()),
});

/**
 * `inspection.labelled` — a person labelled an inspection (feedback): the end of a `review`, or a correction of a
 * decision. Key: as the inspection's events, so it follows them on the same partition.
 */
export const inspectionLabelledData = z.object({
  feedbackId: z.string(),
  inspectionId: z.string(),
  /** One of the inspection's classes, or `pass` / `fail`. */
  label: z.string().min(1),
  /** What the model had decided. */
  decision: z.enum(['pass', 'review', 'fail']),
  stationId: z.string(),
  lotId: z.string().nullable(),
  partId: z.string().nullable(),
  model: z.object({ name: z.string().min(1), version: z.string() }),
  actor: z.object({ name: z.string(), role: z.string() }),
  reason: z.string(),
});

/** The audit-trail entry written in the same transaction as the event. */
const auditRef = z.object({ id: z.string(), seq: z.number().int().optional() });

const envelope = <T extends EventTopic, D extends z.ZodType>(type: T, data: D) =>
  z.object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    eventId: z.uuid(),
    type: z.literal(type),
    occurredAt: isoTime,
    key: z.string().min(1),
    audit: auditRef.optional(),
    data,
  });

export const gatewayEventSchema = z.discriminatedUnion('type', [
  envelope('inspection.completed', inspectionCompletedData),
  envelope('inspection.defect', inspectionDefectData),
  envelope('job.completed', jobCompletedData),
  envelope('model.lifecycle', modelLifecycleData),
  envelope('inspection.labelled', inspectionLabelledData),
]);

export interface EventDataByTopic {
  'inspection.completed': z.infer<typeof inspectionCompletedData>;
  'inspection.defect': z.infer<typeof inspectionDefectData>;
  'job.completed': z.infer<typeof jobCompletedData>;
  'model.lifecycle': z.infer<typeof modelLifecycleData>;
  'inspection.labelled': z.infer<typeof inspectionLabelledData>;
}

export interface EventEnvelope<T extends EventTopic = EventTopic> {
  schemaVersion: typeof SCHEMA_VERSION;
  eventId: string;
  type: T;
  occurredAt: string;
  key: string;
  audit?: { id: string; seq?: number };
  data: EventDataByTopic[T];
}

export type GatewayEvent = { [T in EventTopic]: EventEnvelope<T> }[EventTopic];

/** Builds an envelope (a fresh UUID and the current time unless given). The data is validated. */
export function createEvent<T extends EventTopic>(
  type: T,
  key: string,
  data: EventDataByTopic[T],
  options: { eventId?: string; occurredAt?: Date; audit?: { id: string; seq?: number } } = {},
): EventEnvelope<T> {
  const event: EventEnvelope<T> = {
    schemaVersion: SCHEMA_VERSION,
    eventId: options.eventId ?? randomUUID(),
    type,
    occurredAt: (options.occurredAt ?? new Date()).toISOString(),
    key,
    ...(options.audit ? { audit: options.audit } : {}),
    data,
  };
  gatewayEventSchema.parse(event);
  return event;
}

/** Validates a decoded message (consumers, tests); throws a ZodError listing every problem. */
export function parseEvent(value: unknown): GatewayEvent {
  return gatewayEventSchema.parse(value);
}

/** The columns of an outbox row for an event: the payload is the whole envelope. */
export function toOutboxRecord(event: EventEnvelope): {
  eventId: string;
  topic: EventTopic;
  key: string;
  payload: EventEnvelope;
} {
  return { eventId: event.eventId, topic: event.type, key: event.key, payload: event };
}
