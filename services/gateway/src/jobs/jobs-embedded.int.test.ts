import pino from 'pino';
import { createDatabase, type Database } from '../records/db';
import { DecisionRecorder } from '../records/decision-recorder';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../records/embedded-postgres';
import { migrate } from '../records/migrate';
import { PostgresRecords } from '../records/record-stores';
import { FakeObjectStore } from '../storage/fake-object-store';
import { createJobs, type Jobs } from './index';
import { FakeAvailability, SwitchableDecider, fakeImage, waitFor } from './jobs-test-kit';

jest.setTimeout(180_000);

/** The embedded default: pg-boss and the item transactions on PGlite's one connection. */
describe('batch jobs on embedded PGlite', () => {
  let embedded: EmbeddedPostgres;
  let db: Database;
  let jobs: Jobs;

  beforeAll(async () => {
    embedded = await startEmbeddedPostgres({ dataDir: null });
    await migrate({ connectionString: embedded.connectionString });
    db = createDatabase({ connectionString: embedded.connectionString, max: embedded.poolMax });
  });
  afterAll(async () => {
    await jobs?.stop();
    await db?.close();
    await embedded?.stop();
  });

  it('runs a job to completion and records every item once', async () => {
    const objects = new FakeObjectStore();
    jobs = createJobs({
      database: db,
      recorder: new DecisionRecorder(new PostgresRecords(db)),
      objects,
      inspections: new SwitchableDecider(),
      availability: new FakeAvailability(),
      log: pino({ level: 'silent' }),
      worker: { concurrency: 4, pollIntervalMs: 50 },
    });
    await jobs.start();
    const keys = await Promise.all(
      Array.from(
        { length: 6 },
        async (_, i) => (await objects.put(fakeImage(`pglite-${i}`), 'image/png')).key,
      ),
    );
    const { jobId } = await jobs.service.submit(
      {
        fields: {
          modality: 'visual',
          stationId: 'line-1',
          lotId: null,
          partId: null,
          model: null,
          version: null,
        },
        items: keys.map((k) => ({ source: k, objectKey: k })),
      },
      { name: 'line-1', role: 'station' },
    );
    const job = await waitFor('the job to complete', async () => {
      const j = await jobs.service.get(jobId);
      return j.status === 'completed' ? j : undefined;
    });
    expect(job).toMatchObject({ total: 6, done: 6, failed: 0 });
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_trail WHERE action = 'inspection.decided' AND payload->>'jobId' = $1::text`,
      [jobId],
    );
    expect(rows[0]?.n).toBe(6);
  });
});
