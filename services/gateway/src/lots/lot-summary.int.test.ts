import { NotFoundError } from '../domain/errors';
import type { DefectReport } from '../postprocess/decision-types';
import { createDatabase, type Database } from '../records/db';
import { DecisionRecorder } from '../records/decision-recorder';
import { PostgresRecords } from '../records/record-stores';
import { createTestDatabase, type TestDatabase } from '../records/test-database';
import { sampleDecision } from '../records/test-decisions';
import { LotSummaries } from './lot-summary';

jest.setTimeout(60_000);

describe('lot summaries (real Postgres)', () => {
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

    const s = await new LotSummaries(db).summary('LOT-77');
    expect(s).toEqual({
      lotId: 'LOT-77',
      inspections: 8,
      decisions: { pass: 4, review: 2, fail: 2 },
      passRate: 0.5,
      defects: { scratch: 2, dent: 1 },
      stations: [
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
    await expect(new LotSummaries(db).summary('LOT-none')).rejects.toBeInstanceOf(NotFoundError);
  });
});
