import { InputError, NotFoundError, UnavailableError, isUnavailable } from '../domain/errors';
import { AuditVerifier } from './audit-verifier';
import { DecisionRecorder } from './decision-recorder';
import { InMemoryRecords } from './fake-records';
import { sampleDecision } from './test-decisions';

const mlops = { name: 'alice', role: 'mlops' };

describe('DecisionRecorder', () => {
  let records: InMemoryRecords;
  let recorder: DecisionRecorder;
  beforeEach(() => {
    records = new InMemoryRecords();
    recorder = new DecisionRecorder(records);
  });

  it('records the decision facts an auditor needs, and the events downstream systems need', async () => {
    const decision = sampleDecision({ decision: 'review' });
    const { inspection, audit, events } = await recorder.recordDecision(decision);
    expect(inspection.id).toBe(decision.id);
    expect(audit.payload).toMatchObject({
      inputSha256: decision.inputSha256,
      objectKey: decision.objectKey,
      model: decision.model,
      preprocessing: decision.preprocessing,
      rawScores: decision.rawScores,
      thresholds: decision.thresholds,
      decision: 'review',
    });
    expect(events.map((e) => e.topic)).toEqual(['inspection.completed', 'inspection.defect']);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(2);
    expect(events.every((e) => e.payload.schemaVersion === 1 && e.key === decision.stationId)).toBe(true);
  });

  it('keys inspection events by lot when asked, falling back to the station without a lot', async () => {
    const byLot = new DecisionRecorder(records, { eventKey: 'lot' });
    const withLot = await byLot.recordDecision(sampleDecision({ decision: 'pass', lotId: 'L1' }));
    const withoutLot = await byLot.recordDecision(sampleDecision({ decision: 'pass', lotId: null }));
    expect(withLot.events.map((e) => e.key)).toEqual(['L1']);
    expect(withoutLot.events.map((e) => e.key)).toEqual(['station-7']);
  });

  it('writes nothing when an outbox write fails, and says unavailable', async () => {
    records.beforeOutboxAppend = (e) => {
      if (e.topic === 'inspection.defect') throw new Error('outbox is full');
    };
    const decision = sampleDecision({ decision: 'fail' });
    const failure = recorder.recordDecision(decision);
    await expect(failure).rejects.toBeInstanceOf(UnavailableError);
    expect(await records.inspections.get(decision.id)).toBeUndefined();
    expect(await records.outbox.page({ limit: 10 })).toEqual([]);
    expect(await records.audit.search({}, { limit: 10, order: 'asc' })).toEqual([]);
  });

  it('says unavailable when the database is down', async () => {
    records.unavailable = true;
    const err: unknown = await recorder.recordDecision(sampleDecision()).catch((e: unknown) => e);
    expect(isUnavailable(err)).toBe(true);
  });

  it('requires a reason for model changes, feedback and corrections', async () => {
    const change = { action: 'model.loaded' as const, model: 'm', version: '1', actor: mlops, details: {} };
    await expect(recorder.recordModelChange({ ...change, reason: ' ' })).rejects.toBeInstanceOf(InputError);
    const { audit, event } = await recorder.recordModelChange({ ...change, reason: ' rollout ' });
    expect(audit.reason).toBe('rollout');
    expect(event).toMatchObject({
      topic: 'model.lifecycle',
      key: 'm',
      payload: { data: { action: 'model.loaded' } },
    });

    await expect(
      recorder.recordCorrection({ correctsId: audit.id, actor: mlops, reason: '', correction: {} }),
    ).rejects.toBeInstanceOf(InputError);
    await expect(
      recorder.recordFeedback({ inspectionId: 'x', label: 'pass', actor: mlops, reason: '' }),
    ).rejects.toBeInstanceOf(InputError);
  });

  it('links a correction to the entry it corrects and keeps the chain verifiable', async () => {
    const { audit } = await recorder.recordDecision(sampleDecision());
    const correction = await recorder.recordCorrection({
      correctsId: audit.id,
      actor: mlops,
      reason: 'wrong lot',
      correction: { lotId: 'L2' },
    });
    expect(correction).toMatchObject({ correctsId: audit.id, entity: audit.entity, seq: audit.seq + 1 });
    expect(correction.payload).toMatchObject({ stationId: 'station-7', corrects: { seq: audit.seq } });
    await expect(
      recorder.recordCorrection({ correctsId: 'nope', actor: mlops, reason: 'r', correction: {} }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect((await new AuditVerifier(records).verify()).ok).toBe(true);
  });
});
