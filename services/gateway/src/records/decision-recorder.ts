/**
 * Writes what must never be lost, each in ONE transaction: a decision (inspection row + audit entry + outbox
 * events), a model change (audit entry + `model.lifecycle` event), human feedback (feedback row + audit entry +
 * `inspection.labelled` event), and audit corrections. If the transaction fails nothing is written and the caller
 * gets `UnavailableError` (→ 503): a decision that was not recorded is not returned.
 */
import { randomUUID } from 'node:crypto';
import { InputError, NotFoundError, UnavailableError, isGatewayError, isUnavailable } from '../domain/errors';
import type { Actor, AuditEntityType, AuditEntry } from './audit-types';
import type { FeedbackRecord } from './feedback-store';
import type { InspectionRecord, NewInspection } from './inspection-store';
import {
  inspectionEvents,
  inspectionLabelledEvent,
  modelLifecycleEvent,
  type InspectionEventKey,
} from './outbox-events';
import type { OutboxEvent } from './outbox-store';
import type { RecordStores, RecordsTransactor } from './record-stores';

export interface DecisionToRecord extends NewInspection {
  /** Model outputs before calibration (logits or raw probabilities), by output or class name. */
  rawScores: Readonly<Record<string, unknown>>;
}

export interface RecordedDecision {
  inspection: InspectionRecord;
  audit: AuditEntry;
  events: OutboxEvent[];
}

/** A model lifecycle change; the same shape as `models/`' ModelChange, so this recorder can stand in for it. */
export interface ModelChangeToRecord {
  action: `model.${string}`;
  model: string;
  version: string | undefined;
  actor: Actor;
  reason: string;
  details: Readonly<Record<string, unknown>>;
  /** A pin change written with the audit entry: the version to pin, or null to remove the pin. */
  pin?: { version: string } | null;
}

export interface FeedbackToRecord {
  inspectionId: string;
  label: string;
  actor: Actor;
  reason: string;
  /** The request's Idempotency-Key (DuplicateIdempotencyKeyError when the actor already used it). */
  idempotencyKey?: string;
}

export interface CorrectionToRecord {
  /** Id of the audit entry being corrected; it stays as it is. */
  correctsId: string;
  actor: Actor;
  reason: string;
  /** What the corrected facts are. */
  correction: Readonly<Record<string, unknown>>;
}

export interface DecisionRecorderOptions {
  /** Kafka key of inspection events. Default 'station'. */
  eventKey?: InspectionEventKey;
  newId?: () => string;
}

export class DecisionRecorder {
  private readonly eventKey: InspectionEventKey;
  private readonly newId: () => string;

  constructor(
    private readonly records: RecordsTransactor,
    options: DecisionRecorderOptions = {},
  ) {
    this.eventKey = options.eventKey ?? 'station';
    this.newId = options.newId ?? randomUUID;
  }

  async recordDecision(decision: DecisionToRecord): Promise<RecordedDecision> {
    return this.write('decision', (stores) => this.recordDecisionIn(stores, decision));
  }

  /**
   * Writes the decision (inspection row + outbox events + audit entry) with stores bound to a transaction the
   * caller already holds, so the caller's own rows (e.g. a batch job item marked done) commit with it. Errors
   * are thrown as they come; the caller's transaction rolls back. The audit insert takes the chain lock, held
   * until COMMIT: do the caller's own writes before this call where possible, and commit soon after it.
   */
  async recordDecisionIn(stores: RecordStores, decision: DecisionToRecord): Promise<RecordedDecision> {
    const { rawScores, ...fields } = decision;
    const auditId = this.newId();
    const inspection = await stores.inspections.insert(fields);
    const events: OutboxEvent[] = [];
    for (const event of inspectionEvents(inspection, auditId, { key: this.eventKey, newId: this.newId })) {
      events.push(await stores.outbox.append(event));
    }
    // The audit entry goes last, so concurrent writers queue on the chain lock for one statement and the
    // commit rather than for the whole transaction.
    const audit = await stores.audit.append({
      id: auditId,
      actor: decision.actor,
      action: 'inspection.decided',
      entity: { type: 'inspection', id: inspection.id },
      reason: null,
      payload: {
        inspectionId: inspection.id,
        requestId: inspection.requestId,
        stationId: inspection.stationId,
        lotId: inspection.lotId,
        partId: inspection.partId,
        modality: inspection.modality,
        inputSha256: inspection.inputSha256,
        objectKey: inspection.objectKey,
        model: inspection.model,
        preprocessing: inspection.preprocessing,
        rawScores,
        scores: inspection.scores,
        thresholds: inspection.thresholds,
        decision: inspection.decision,
        defects: inspection.defects,
        jobId: inspection.jobId,
      },
    });
    return { inspection, audit, events };
  }

  async recordModelChange(change: ModelChangeToRecord): Promise<{ audit: AuditEntry; event: OutboxEvent }> {
    const reason = requireReason(change.reason);
    const facts = { ...change, reason, version: change.version ?? null };
    return this.write('model change', async (stores) => {
      const audit = await stores.audit.append({
        actor: change.actor,
        action: change.action,
        entity: { type: 'model', id: change.model },
        reason,
        payload: { model: { name: change.model, version: facts.version }, details: change.details },
      });
      const event = await stores.outbox.append(modelLifecycleEvent(facts, audit, this.newId));
      if (change.pin) await stores.pins.set(change.model, change.pin.version);
      else if (change.pin === null) await stores.pins.clear(change.model);
      return { audit, event };
    });
  }

  async recordFeedback(feedback: FeedbackToRecord): Promise<{ feedback: FeedbackRecord; audit: AuditEntry }> {
    const reason = requireReason(feedback.reason);
    if (feedback.label.trim() === '')
      throw new InputError('a label is required', { details: { field: 'label' } });
    return this.write('feedback', async (stores) => {
      const inspection = await stores.inspections.get(feedback.inspectionId);
      if (!inspection) throw new NotFoundError(`inspection '${feedback.inspectionId}' not found`);
      const saved = await stores.feedback.insert({ ...feedback, reason });
      const audit = await stores.audit.append({
        actor: feedback.actor,
        action: 'feedback.recorded',
        entity: { type: 'inspection', id: inspection.id },
        reason,
        payload: {
          feedbackId: saved.id,
          inspectionId: inspection.id,
          label: saved.label,
          decision: inspection.decision,
          stationId: inspection.stationId,
          lotId: inspection.lotId,
          partId: inspection.partId,
          model: inspection.model,
        },
      });
      await stores.outbox.append(
        inspectionLabelledEvent(
          inspection,
          { id: saved.id, label: saved.label, actor: feedback.actor, reason },
          audit,
          { key: this.eventKey, newId: this.newId },
        ),
      );
      return { feedback: saved, audit };
    });
  }

  /** A correction is a new entry linked to the original; the original is never changed. */
  async recordCorrection(correction: CorrectionToRecord): Promise<AuditEntry> {
    const reason = requireReason(correction.reason);
    return this.write('correction', async (stores) => {
      const original = await stores.audit.get(correction.correctsId);
      if (!original) throw new NotFoundError(`audit entry '${correction.correctsId}' not found`);
      // Copy the filterable facts so that a station, lot, part or model query finds the correction beside the original.
      const { stationId, lotId, partId, model } = original.payload;
      return stores.audit.append({
        actor: correction.actor,
        action: 'audit.correction',
        // Same entity as the original, so "everything about inspection X" lists the correction too.
        entity: { type: original.entity.type as AuditEntityType, id: original.entity.id },
        reason,
        correctsId: original.id,
        payload: {
          corrects: { seq: original.seq, action: original.action },
          correction: correction.correction,
          ...(stationId === undefined ? {} : { stationId }),
          ...(lotId === undefined ? {} : { lotId }),
          ...(partId === undefined ? {} : { partId }),
          ...(model === undefined ? {} : { model }),
        },
      });
    });
  }

  private async write<T>(what: string, fn: (stores: RecordStores) => Promise<T>): Promise<T> {
    try {
      return await this.records.transaction(fn);
    } catch (err) {
      if (isGatewayError(err) && !isUnavailable(err)) throw err;
      throw new UnavailableError(`${what} could not be recorded`, 1, { cause: err });
    }
  }
}

function requireReason(reason: string | undefined): string {
  const trimmed = reason?.trim() ?? '';
  if (trimmed === '') throw new InputError('a reason is required', { details: { field: 'reason' } });
  return trimmed;
}
