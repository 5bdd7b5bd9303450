import { inspectionEvents, modelLifecycleEvent } from '../records/outbox-events';
import type { InspectionRecord } from '../records/inspection-store';
import type { AuditEntry } from '../records/audit-types';
import { parseEvent } from './event-schema';

// What the records side writes to the outbox must be what docs/events.md (and the zod schema) promise consumers.
const inspection: InspectionRecord = {
  id: '6f1c1b7e-8a51-4d43-9a0e-3c6f8b1d2e40',
  requestId: 'req-1',
  stationId: 'line-1',
  lotId: 'L42',
  partId: null,
  modality: 'visual',
  model: { name: 'visual_ensemble', version: '1', configHash: 'a'.repeat(64) },
  inputSha256: 'b'.repeat(64),
  objectKey: `sha256/bb/${'b'.repeat(64)}`,
  decision: 'fail',
  scores: { Crack: 0.9, Free: 0.1 },
  defects: [{ class: 'Crack', confidence: 0.9, severity: 'major' }],
  thresholds: {},
  preprocessing: {},
  timings: {},
  actor: { name: 'line1', role: 'station' },
  jobId: null,
  receivedAt: null,
  createdAt: new Date('2026-11-25T12:00:00.000Z'),
};
let n = 0;
const newId = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

describe('events written by the records side', () => {
  it('inspection events validate against the published schema', () => {
    const events = inspectionEvents(inspection, '11111111-1111-4111-8111-111111111111', {
      key: 'station',
      newId,
    });
    expect(events.map((e) => e.topic)).toEqual(['inspection.completed', 'inspection.defect']);
    for (const e of events) expect(() => parseEvent(e.payload)).not.toThrow();
  });

  it('model lifecycle events validate against the published schema', () => {
    const audit = {
      id: '22222222-2222-4222-8222-222222222222',
      seq: 7,
      recordedAt: '2026-11-25T12:00:00.000000Z',
    } as unknown as AuditEntry;
    const event = modelLifecycleEvent(
      {
        action: 'model.loaded',
        model: 'visual_ensemble',
        version: '2',
        actor: { name: 'ops', role: 'mlops' },
        reason: 'validated',
        details: {},
      },
      audit,
      newId,
    );
    expect(() => parseEvent(event.payload)).not.toThrow();
  });
});
