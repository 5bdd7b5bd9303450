import { UnavailableError, isGatewayError } from '../domain/errors';
import type { Principal } from '../http/auth';
import type { DecisionRecorder } from '../records';
import type { ObjectStore } from '../storage/object-store';
import { detectFormat } from '../preprocess';
import type { DecidedInspection, DecisionSink } from './inspection-service';

const MIME: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  tiff: 'image/tiff',
  webp: 'image/webp',
};

/**
 * Keeps what was inspected and what was decided: the exact input bytes go to the object store under their
 * SHA-256, then the decision, its audit entry and its events are written in one transaction. Any failure is a
 * 503 for the caller: no decision leaves the gateway unrecorded.
 */
export class RecordingSink implements DecisionSink {
  constructor(
    private readonly objects: ObjectStore,
    private readonly recorder: DecisionRecorder,
  ) {}

  async record(
    decided: DecidedInspection,
    ctx: { principal: Principal; jobId: string | null },
  ): Promise<void> {
    const r = decided.result;
    let objectKey: string | null = null;
    if (decided.input) {
      const type =
        decided.contentType === 'application/json'
          ? 'application/json'
          : (MIME[detectFormat(decided.input) ?? ''] ?? 'application/octet-stream');
      try {
        objectKey = (await this.objects.put(decided.input, type)).key;
      } catch (err) {
        throw isGatewayError(err) && err.code === 'unavailable'
          ? err
          : new UnavailableError('the input store is unavailable; the decision was not recorded', 5, {
              cause: err,
            });
      }
    }
    await this.recorder.recordDecision({
      id: r.inspectionId,
      requestId: r.requestId,
      stationId: r.stationId,
      lotId: r.lotId,
      partId: r.partId,
      modality: r.modality,
      model: { name: r.model.name, version: r.model.version, configHash: decided.configHash },
      inputSha256: decided.inputSha256,
      objectKey,
      decision: r.decision,
      scores: r.scores,
      ...(decided.defectProbability === undefined ? {} : { defectProbability: decided.defectProbability }),
      defects: r.defects,
      thresholds: decided.thresholds,
      preprocessing: decided.preprocessing,
      timings: r.timings,
      actor: { name: ctx.principal.name, role: ctx.principal.role },
      jobId: ctx.jobId,
      receivedAt: r.receivedAt,
      rawScores: decided.rawScores,
    });
  }
}
