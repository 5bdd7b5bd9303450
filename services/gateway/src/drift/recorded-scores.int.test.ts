import { createDatabase, type Database } from '../records/db';
import { DecisionRecorder } from '../records/decision-recorder';
import { PostgresRecords } from '../records/record-stores';
import { createTestDatabase, type TestDatabase } from '../records/test-database';
import { sampleDecision } from '../records/test-decisions';
import { PostgresRecordedScores } from './recorded-scores';

jest.setTimeout(60_000);

describe('recorded defect probabilities, for drift across replicas (real Postgres)', () => {
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

  const record = (version: string, defectProbability?: number, name = 'tile_model') =>
    recorder.recordDecision(
      sampleDecision({
        model: { name, version, configHash: 'c'.repeat(64) },
        ...(defectProbability === undefined ? {} : { defectProbability }),
      }),
    );

  it('gives the newest decisions of one version, oldest first, skipping rows recorded without one', async () => {
    for (const p of [0.1, 0.2, 0.3, 0.4]) await record('2', p);
    await record('2'); // recorded before the column existed, as it were
    await record('3', 0.9);
    await record('2', 0.5, 'other_model');
    const recorded = new PostgresRecordedScores(db);

    const newest = await recorded.latest('tile_model', '2', 3);
    expect(newest.values).toEqual([0.2, 0.3, 0.4]);
    expect(newest.from!.getTime()).toBeLessThanOrEqual(newest.to!.getTime());
    expect((await recorded.latest('tile_model', '2', 100)).values).toEqual([0.1, 0.2, 0.3, 0.4]);
    expect((await recorded.latest('tile_model', '3', 100)).values).toEqual([0.9]);
    expect(await recorded.latest('tile_model', '7', 100)).toEqual({ values: [], from: null, to: null });
  });

  it('keeps the value on the inspection record, and the database refuses one outside [0, 1]', async () => {
    const { inspection } = await record('4', 0.25);
    expect(inspection.defectProbability).toBe(0.25);
    await expect(record('4', 1.5)).rejects.toMatchObject({
      message: 'decision could not be recorded',
      cause: expect.objectContaining({ constraint: 'inspections_defect_probability_check' }),
    });
  });
});
