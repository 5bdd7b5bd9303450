import type { Actor } from '../records/audit-types';
import type { DecisionToRecord } from '../records/decision-recorder';
import type { DecidedInspection } from './inspection-service';

/**
 * The record of a decision, as both online inspections and batch-job items write it: what was decided from the
 * decided inspection, and where its input is stored, who asked and for which job from the caller.
 */
export function decisionToRecord(
  decided: DecidedInspection,
  from: { objectKey: string | null; actor: Actor; jobId: string | null; idempotencyKey?: string },
): DecisionToRecord {
  const r = decided.result;
  return {
    id: r.inspectionId,
    requestId: r.requestId,
    stationId: r.stationId,
    lotId: r.lotId,
    partId: r.partId,
    modality: r.modality,
    model: { name: r.model.name, version: r.model.version, configHash: decided.configHash },
    inputSha256: decided.inputSha256,
    objectKey: from.objectKey,
    decision: r.decision,
    scores: r.scores,
    ...(decided.defectProbability === undefined ? {} : { defectProbability: decided.defectProbability }),
    ...(decided.pixels === undefined ? {} : { pixels: decided.pixels }),
    defects: r.defects,
    thresholds: decided.thresholds,
    preprocessing: decided.preprocessing,
    timings: r.timings,
    actor: from.actor,
    jobId: from.jobId,
    receivedAt: r.receivedAt,
    batchSize: r.batchSize,
    ...(from.idempotencyKey === undefined ? {} : { idempotencyKey: from.idempotencyKey }),
    rawScores: decided.rawScores,
  };
}
