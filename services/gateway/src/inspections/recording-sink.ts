import { UnavailableError, isGatewayError } from '../domain/errors';
import type { Principal } from '../http/auth';
import type { DecisionRecorder, InspectionRecord, InspectionStore } from '../records';
import type { ObjectStore } from '../storage/object-store';
import { detectFormat } from '../preprocess';
import type { DecidedInspection, DecisionSink } from './inspection-service';
import { decisionToRecord } from './decision-record';

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
  /**
   * @param recorded where decisions are looked up by Idempotency-Key: a store bound to the pool, so a lookup is one
   *   statement (a request with a key pays for it before being decided).
   */
  constructor(
    private readonly objects: ObjectStore,
    private readonly recorder: DecisionRecorder,
    private readonly recorded: Pick<InspectionStore, 'findByIdempotencyKey'>,
  ) {}

  async record(
    decided: DecidedInspection,
    ctx: { principal: Principal; jobId: string | null; idempotencyKey?: string },
  ): Promise<void> {
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
    await this.recorder.recordDecision(
      decisionToRecord(decided, {
        objectKey,
        actor: { name: ctx.principal.name, role: ctx.principal.role },
        jobId: ctx.jobId,
        ...(ctx.idempotencyKey === undefined ? {} : { idempotencyKey: ctx.idempotencyKey }),
      }),
    );
  }

  recordedUnderKey(principal: Principal, key: string): Promise<InspectionRecord | undefined> {
    return this.recorded.findByIdempotencyKey(principal.name, key);
  }
}
