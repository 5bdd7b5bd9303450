import { createDatabase, type Database } from '../records/db';
import { DecisionRecorder } from '../records/decision-recorder';
import { PostgresRecords } from '../records/record-stores';
import { createTestDatabase, type TestDatabase } from '../records/test-database';
import { sampleDecision } from '../records/test-decisions';
import type { PixelMoments } from './pixel-moments';
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

  const record = (version: string, defectProbability?: number, name = 'tile_model', pixels?: PixelMoments) =>
    recorder.recordDecision(
      sampleDecision({
        model: { name, version, configHash: 'c'.repeat(64) },
        ...(defectProbability === undefined ? {} : { defectProbability }),
        ...(pixels === undefined ? {} : { pixels }),
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
    expect(await recorded.latest('tile_model', '7', 100)).toEqual({
      values: [],
      pixelMeans: [],
      pixelStds: [],
      from: null,
      to: null,
    });
  });

  it('gives the pixel moments of the decisions recorded with them, oldest first', async () => {
    await record('5', 0.1, 'pixel_model', { mean: 101.5, std: 20.25 });
    await record('5', 0.2, 'pixel_model'); // a decision recorded without them
    await record('5', 0.3, 'pixel_model', { mean: 99, std: 18 });
    const window = await new PostgresRecordedScores(db).latest('pixel_model', '5', 10);
    expect(window).toMatchObject({
      values: [0.1, 0.2, 0.3],
      pixelMeans: [101.5, 99],
      pixelStds: [20.25, 18],
    });
    const { inspection } = await record('5', 0.4, 'pixel_model', { mean: 0, std: 127.5 });
    expect(inspection.pixels).toEqual({ mean: 0, std: 127.5 });
    await expect(record('5', 0.4, 'pixel_model', { mean: 256, std: 1 })).rejects.toMatchObject({
      cause: expect.objectContaining({ constraint: 'inspections_pixel_mean_check' }),
    });
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
