import { Client } from 'pg';
import pino from 'pino';
import { createDatabase, type Database } from '../records/db';
import { DecisionRecorder } from '../records/decision-recorder';
import { PostgresRecords } from '../records/record-stores';
import { createTestDatabase, type TestDatabase } from '../records/test-database';
import { FakeObjectStore } from '../storage/fake-object-store';
import { createJobs, type Jobs, type JobsDeps } from './index';
import { ItemProcessor } from './item-processor';
import { JobCompletion } from './job-completion';
import { JobStore } from './job-store';
import {
  FakeAvailability,
  SwitchableDecider,
  fakeDecision,
  fakeImage,
  jobCounts,
  waitFor,
} from './jobs-test-kit';

jest.setTimeout(60_000);

/**
 * A gateway that dies mid-job: its worker hangs on some items and is stopped (as a killed process would stop),
 * a second one takes over after pg-boss's expiry, and the first one's late results are dropped.
 */
describe('batch jobs after a worker dies mid-item', () => {
  let database: TestDatabase;
  let db: Database;
  let sql: Client;
  const objects = new FakeObjectStore();
  const log = pino({ level: 'silent' });
  const started: Jobs[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDatabase({ connectionString: database.url, max: 8 });
    sql = new Client({ connectionString: database.url });
    await sql.connect();
  });
  afterAll(async () => {
    for (const j of started) await j.stop();
    await sql.end();
    await db.close();
    await database.drop();
  });

  const gateway = async (decider: SwitchableDecider, overrides: Partial<JobsDeps> = {}): Promise<Jobs> => {
    const jobs = createJobs({
      database: db,
      recorder: new DecisionRecorder(new PostgresRecords(db)),
      objects,
      inspections: decider,
      availability: new FakeAvailability(),
      log,
      queue: { expireInSeconds: 2, maintenanceIntervalSeconds: 1 },
      worker: { concurrency: 2, pollIntervalMs: 50, stopTimeoutMs: 100 },
      ...overrides,
    });
    await jobs.start();
    started.push(jobs);
    return jobs;
  };

  const submit = async (jobs: Jobs, n: number, tag: string): Promise<string> => {
    const keys = await Promise.all(
      Array.from(
        { length: n },
        async (_, i) => (await objects.put(fakeImage(`${tag}-${i}`), 'image/png')).key,
      ),
    );
    const { jobId } = await jobs.service.submit(
      {
        fields: {
          modality: 'visual',
          stationId: 'line-9',
          lotId: null,
          partId: null,
          model: null,
          version: null,
        },
        items: keys.map((k) => ({ source: k, objectKey: k })),
      },
      { name: 'line-9', role: 'station' },
    );
    return jobId;
  };

  it('still yields exactly N decisions when the first worker hangs, is stopped, and later wakes up', async () => {
    const n = 20;
    let wake!: () => void;
    const zombie = new Promise<void>((resolve) => (wake = resolve));
    const first = new SwitchableDecider();
    let hung = 0;
    first.impl = async (input, ctx) => {
      const index = Number(ctx.requestId.split('-').pop());
      if (index >= 3) {
        hung++;
        await zombie; // the worker is "dead" from here on
      }
      return fakeDecision(input, ctx);
    };
    const a = await gateway(first);
    const jobId = await submit(a, n, 'kill');
    await waitFor('the first worker to hang', async () => (hung >= 2 ? true : undefined));
    await a.stop();
    const before = await a.service.get(jobId);
    expect(before.status).toBe('running');
    expect(before.done).toBe(3);

    const second = new SwitchableDecider();
    const b = await gateway(second);
    const done = await waitFor('the job to complete', async () => {
      const job = await b.service.get(jobId);
      return job.status === 'completed' ? job : undefined;
    });
    expect(done).toMatchObject({ total: n, done: n, failed: 0 });
    expect(second.calls).toBe(n - 3);

    // The hung worker wakes up and tries to record its two items: both are already final.
    wake();
    await new Promise((r) => setTimeout(r, 500));
    expect(await jobCounts(sql, jobId)).toEqual({ inspections: n, decisions: n, events: n, completions: 1 });
    const { rows } = await sql.query<{ item_index: number; attempts: number }>(
      `SELECT item_index, attempts FROM inspection_items WHERE job_id = $1 AND attempts > 1 ORDER BY item_index`,
      [jobId],
    );
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.attempts === 2)).toBe(true);
    await b.stop();
  });

  it('records an item once when two deliveries of it run at the same time', async () => {
    const idle = await gateway(new SwitchableDecider(), { worker: { enabled: false } });
    const jobId = await submit(idle, 2, 'twice');
    const store = new JobStore(db);
    const processor = () =>
      new ItemProcessor({
        database: db,
        store,
        recorder: new DecisionRecorder(new PostgresRecords(db)),
        objects,
        inspections: new SwitchableDecider(),
        completion: new JobCompletion(store, { name: 'job-worker', role: 'system' }),
        log,
      });
    const outcomes = await Promise.all(
      [processor(), processor(), processor()].map((p) => p.process({ jobId, index: 0 })),
    );
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['skipped', 'skipped', 'succeeded']);
    const { rows } = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM inspections WHERE job_id = $1 AND request_id = $2`,
      [jobId, `job-${jobId}-0`],
    );
    expect(rows[0]?.n).toBe(1);
    expect(await store.getJob(jobId)).toMatchObject({ done: 1, status: 'running' });
  });
  it('marks an item failed once pg-boss gives up on it (dead letter), so the job still finishes', async () => {
    const broken = new SwitchableDecider();
    broken.impl = (input, ctx) =>
      ctx.requestId.endsWith('-1')
        ? Promise.reject(new Error('segfault in a native addon'))
        : Promise.resolve(fakeDecision(input, ctx));
    const jobs = await gateway(broken, {
      queue: { retryLimit: 1, expireInSeconds: 2, maintenanceIntervalSeconds: 1 },
    });
    const jobId = await submit(jobs, 3, 'dead');
    const job = await waitFor('the job to finish', async () => {
      const j = await jobs.service.get(jobId);
      return j.status === 'completed' ? j : undefined;
    });
    expect(job).toMatchObject({ done: 2, failed: 1 });
    const { rows } = await sql.query<{ status: string; error: string; attempts: number }>(
      `SELECT status, error, attempts FROM inspection_items WHERE job_id = $1 AND item_index = 1`,
      [jobId],
    );
    expect(rows[0]).toMatchObject({ status: 'failed', attempts: 2 });
    expect(rows[0]?.error).toContain('segfault in a native addon');
    expect((await jobCounts(sql, jobId)).decisions).toBe(2);
    await jobs.stop();
  });
});
