import { InputError, NotFoundError } from '../domain/errors';
import type { DefectReport } from '../postprocess/decision-types';
import { createDatabase, type Database } from '../records/db';
import { DecisionRecorder } from '../records/decision-recorder';
import { PostgresRecords } from '../records/record-stores';
import { createTestDatabase, type TestDatabase } from '../records/test-database';
import { sampleDecision } from '../records/test-decisions';
import { RecordSummaries } from './records-summary';

jest.setTimeout(60_000);

describe('lot and station summaries (real Postgres)', () => {
  let database: TestDatabase;
  let db: Database;
  let recorder: DecisionRecorder;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDatabase({ connectionString: database.url, max: 4 });
    recorder = new DecisionRecorder(new PostgresRecords(db));
  });
  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  const defect = (cls: string): DefectReport => ({ class: cls, confidence: 0.8, severity: 'major' });

  it('counts decisions, defect classes, stations, versions, labels and open reviews of one lot', async () => {
    const record = (o: Parameters<typeof sampleDecision>[0]) =>
      recorder.recordDecision(sampleDecision({ lotId: 'LOT-77', ...o }));
    await record({ decision: 'pass', defects: [], stationId: 'line-1' });
    await record({ decision: 'pass', defects: [], stationId: 'line-1' });
    await record({ decision: 'pass', defects: [], stationId: 'line-2' });
    await record({ decision: 'fail', defects: [defect('scratch'), defect('dent')], stationId: 'line-1' });
    await record({ decision: 'fail', defects: [defect('scratch')], stationId: 'line-2' });
    const reviewed = await record({ decision: 'review', defects: [], stationId: 'line-1' });
    await record({ decision: 'review', defects: [], stationId: 'line-1' });
    await record({
      decision: 'pass',
      defects: [],
      stationId: 'line-1',
      model: { name: 'visual_ensemble', version: '4', configHash: 'e'.repeat(64) },
    });
    await recorder.recordDecision(sampleDecision({ lotId: 'LOT-other', decision: 'fail' }));
    await recorder.recordFeedback({
      inspectionId: reviewed.inspection.id,
      label: 'pass',
      actor: { name: 'bench', role: 'station' },
      reason: 'a reflection',
    });

    const summaries = new RecordSummaries(db);
    const s = await summaries.summary({ lotId: 'LOT-77' });
    expect(s).toEqual({
      scope: { lotId: 'LOT-77' },
      from: null,
      to: null,
      inspections: 8,
      decisions: { pass: 4, review: 2, fail: 2 },
      passRate: 0.5,
      defects: { scratch: 2, dent: 1 },
      breakdown: [
        { stationId: 'line-1', inspections: 6 },
        { stationId: 'line-2', inspections: 2 },
      ],
      models: [
        { model: 'visual_ensemble', version: '3', inspections: 7 },
        { model: 'visual_ensemble', version: '4', inspections: 1 },
      ],
      labelled: 1,
      openReviews: 1,
      firstAt: expect.any(String),
      lastAt: expect.any(String),
    });
    expect(Date.parse(s.lastAt)).toBeGreaterThanOrEqual(Date.parse(s.firstAt));
    await expect(summaries.summary({ lotId: 'LOT-none' })).rejects.toBeInstanceOf(NotFoundError);

    // The same figures per station, broken down by lot; and within a time window.
    const station = await summaries.summary({ stationId: 'line-2' });
    expect(station).toMatchObject({
      scope: { stationId: 'line-2' },
      inspections: 2,
      decisions: { pass: 1, review: 0, fail: 1 },
      breakdown: [{ lotId: 'LOT-77', inspections: 2 }],
      defects: { scratch: 1 },
    });
    await expect(
      summaries.summary({ stationId: 'line-2' }, { from: new Date(Date.now() + 60_000).toISOString() }),
    ).rejects.toThrow(/no inspections recorded for station 'line-2' in that window/);
    await expect(summaries.summary({ lotId: 'LOT-77' }, { to: 'soon' })).rejects.toBeInstanceOf(InputError);
  });
});
