import { Client } from 'pg';
import pino from 'pino';
import { UnavailableError } from '../domain/errors';
import { createDatabase, type Database } from '../records/db';
import { DecisionRecorder } from '../records/decision-recorder';
import { PostgresRecords } from '../records/record-stores';
import { createTestDatabase, type TestDatabase } from '../records/test-database';
import { FakeObjectStore } from '../storage/fake-object-store';
import { createJobs, type Jobs } from './index';
import {
  FakeAvailability,
  SwitchableDecider,
  fakeDecision,
  fakeImage,
  jobCounts,
  serveJobs,
  waitFor,
} from './jobs-test-kit';

jest.setTimeout(60_000);

describe('batch jobs on real Postgres', () => {
  let database: TestDatabase;
  let db: Database;
  let sql: Client;
  let objects: FakeObjectStore;
  let decider: SwitchableDecider;
  let availability: FakeAvailability;
  let jobs: Jobs;
  let api: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDatabase({ connectionString: database.url, max: 8 });
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    objects = new FakeObjectStore();
    decider = new SwitchableDecider();
    availability = new FakeAvailability();
    jobs = createJobs({
      database: db,
      recorder: new DecisionRecorder(new PostgresRecords(db)),
      objects,
      inspections: decider,
      availability,
      log: pino({ level: 'silent' }),
      limits: { maxItems: 50, maxFileBytes: 1024 },
      queue: { expireInSeconds: 5, maintenanceIntervalSeconds: 1 },
      worker: { concurrency: 4, pollIntervalMs: 50, stopTimeoutMs: 500 },
    });
    await jobs.start();
    api = await serveJobs(jobs);
  });
  afterAll(async () => {
    await api.close();
    await jobs.stop();
    await sql.end();
    await db.close();
    await database.drop();
  });
  afterEach(() => {
    decider.impl = (i, c) => Promise.resolve(fakeDecision(i, c));
    availability.set(true);
  });

  const storeImages = async (tags: string[]): Promise<string[]> =>
    Promise.all(tags.map(async (t) => (await objects.put(fakeImage(t), 'image/png')).key));

  const submitKeys = async (keys: string[], extra: Record<string, unknown> = {}) => {
    const res = await fetch(`${api.url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        modality: 'visual',
        stationId: 'line-4',
        lotId: 'LOT-7',
        objectKeys: keys,
        ...extra,
      }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  const getJob = async (id: string) => {
    const res = await fetch(`${api.url}/v1/jobs/${id}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  const finished = (id: string) =>
    waitFor(`job ${id} to finish`, async () => {
      const { body } = await getJob(id);
      return ['completed', 'failed', 'cancelled'].includes(body.status as string) ? body : undefined;
    });

  it('runs a job of N items to completion with N decisions, N audit rows and one job.completed event', async () => {
    const n = 12;
    const keys = await storeImages(
      Array.from({ length: n }, (_, i) => (i % 3 === 0 ? `defect-${i}` : `ok-${i}`)),
    );
    const submitted = await submitKeys(keys);
    expect(submitted.status).toBe(202);
    expect(submitted.body).toEqual({ jobId: expect.any(String), total: n });
    const jobId = submitted.body.jobId as string;

    const job = await finished(jobId);
    expect(job).toMatchObject({
      status: 'completed',
      total: n,
      done: n,
      failed: 0,
      progress: 1,
      lotId: 'LOT-7',
    });
    expect(job.durationMs).toEqual(expect.any(Number));
    expect(job.throughput === null || typeof job.throughput === 'number').toBe(true);
    expect(await jobCounts(sql, jobId)).toEqual({ inspections: n, decisions: n, events: n, completions: 1 });

    const { rows } = await sql.query<{ payload: Record<string, unknown>; key: string }>(
      `SELECT payload, key FROM outbox WHERE topic = 'job.completed' AND payload->'data'->>'jobId' = $1`,
      [jobId],
    );
    expect(rows[0]?.key).toBe('LOT-7');
    expect(rows[0]?.payload).toMatchObject({
      schemaVersion: 1,
      type: 'job.completed',
      key: 'LOT-7',
    });
    expect(rows[0]?.payload.data).toMatchObject({
      status: 'completed',
      total: n,
      done: n,
      failed: 0,
      decisions: { pass: 8, review: 0, fail: 4 },
    });
    // Decisions are recorded as the submitting station, with the item's stored object key.
    const audit = await sql.query<{ actor_id: string; object_key: string }>(
      `SELECT actor_id, payload->>'objectKey' AS object_key FROM audit_trail
       WHERE action = 'inspection.decided' AND payload->>'jobId' = $1 ORDER BY seq`,
      [jobId],
    );
    expect(new Set(audit.rows.map((r) => r.actor_id))).toEqual(new Set(['line-4']));
    expect(new Set(audit.rows.map((r) => r.object_key))).toEqual(new Set(keys));
  });

  it('pages the results by item index', async () => {
    const keys = await storeImages(
      Array.from({ length: 7 }, (_, i) => `page-${i}${i === 2 ? '-defect' : ''}`),
    );
    const { body } = await submitKeys(keys);
    const jobId = body.jobId as string;
    await finished(jobId);

    const seen: Array<Record<string, unknown>> = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '?limit=3' : `?limit=3&cursor=${cursor}`;
      const res = await fetch(`${api.url}/v1/jobs/${jobId}/results${query}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: Array<Record<string, unknown>>; nextCursor: string | null };
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(seen[2]).toMatchObject({
      status: 'succeeded',
      decision: 'fail',
      defects: [{ class: 'crack' }],
      scores: { crack: 0.9 },
      model: { name: 'fake_model', version: '1' },
      inspectionId: expect.any(String),
      error: null,
    });
    expect(seen[0]).toMatchObject({ decision: 'pass', source: keys[0] });

    const bad = await fetch(`${api.url}/v1/jobs/${jobId}/results?limit=0`);
    expect(bad.status).toBe(400);
    const badCursor = await fetch(`${api.url}/v1/jobs/${jobId}/results?cursor=abc`);
    expect(badCursor.status).toBe(400);
  });

  it('takes a multipart upload, storing every image, and rejects files that are not images', async () => {
    const form = new FormData();
    form.set('modality', 'visual');
    form.set('stationId', 'line-4');
    for (let i = 0; i < 5; i++) form.append('images', new Blob([fakeImage(`upload-${i}`)]), `part-${i}.png`);
    const res = await fetch(`${api.url}/v1/jobs`, { method: 'POST', body: form });
    expect(res.status).toBe(202);
    const { jobId, total } = (await res.json()) as { jobId: string; total: number };
    expect(total).toBe(5);
    expect(res.headers.get('location')).toBe(`/v1/jobs/${jobId}`);
    expect(await finished(jobId)).toMatchObject({ status: 'completed', done: 5 });
    const page = (await (await fetch(`${api.url}/v1/jobs/${jobId}/results`)).json()) as {
      items: Array<{ source: string }>;
    };
    expect(page.items.map((i) => i.source)).toEqual([
      'part-0.png',
      'part-1.png',
      'part-2.png',
      'part-3.png',
      'part-4.png',
    ]);

    const bad = new FormData();
    bad.set('modality', 'visual');
    bad.set('stationId', 'line-4');
    bad.append('images', new Blob([fakeImage('fine')]), 'fine.png');
    bad.append('images', new Blob([Buffer.from('GIF89a not accepted')]), 'anim.gif');
    bad.append('images', new Blob([Buffer.alloc(2048, 1)]), 'huge.png');
    const rejected = await fetch(`${api.url}/v1/jobs`, { method: 'POST', body: bad });
    expect(rejected.status).toBe(413);
    expect(((await rejected.json()) as { error: { message: string } }).error.message).toContain("'huge.png'");

    const notImage = new FormData();
    notImage.set('modality', 'visual');
    notImage.set('stationId', 'line-4');
    notImage.append('images', new Blob([Buffer.from('GIF89a not accepted')]), 'anim.gif');
    const res415 = await fetch(`${api.url}/v1/jobs`, { method: 'POST', body: notImage });
    expect(res415.status).toBe(400);
    expect(((await res415.json()) as { error: { message: string } }).error.message).toContain("'anim.gif'");
  });

  it('creates one job per Idempotency-Key: a resent upload gets the same job, another submission 422', async () => {
    const key = `lot-7-batch-${Date.now()}`;
    const upload = () => {
      const form = new FormData();
      form.set('modality', 'visual');
      form.set('stationId', 'line-4');
      for (let i = 0; i < 2; i++)
        form.append('images', new Blob([fakeImage(`resent-${i}`)]), `resent-${i}.png`);
      return fetch(`${api.url}/v1/jobs`, { method: 'POST', body: form, headers: { 'idempotency-key': key } });
    };
    const first = await upload();
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const created = (await first.json()) as { jobId: string; total: number };
    const again = await upload();
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(`/v1/jobs/${created.jobId}`);
    expect(await again.json()).toEqual(created);
    expect(await finished(created.jobId)).toMatchObject({ status: 'completed', total: 2, done: 2 });

    // The same images in another order, or as another job's options, under the same key: refused, nothing created.
    const jobsBefore = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs');
    const keys = await storeImages(['resent-1', 'resent-0']);
    const reordered = await fetch(`${api.url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ modality: 'visual', stationId: 'line-4', objectKeys: keys }),
    });
    expect(reordered.status).toBe(422);
    expect(await reordered.json()).toMatchObject({
      error: { code: 'idempotency_key_reused', details: { jobId: created.jobId } },
    });
    const malformed = await fetch(`${api.url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'two words' },
      body: JSON.stringify({ modality: 'visual', stationId: 'line-4', objectKeys: keys }),
    });
    expect(malformed.status).toBe(400);
    expect((await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs')).rows).toEqual(
      jobsBefore.rows,
    );

    // Two submissions with a new key at once: one job, both answered with it.
    const both = await Promise.all(
      [0, 1].map(() =>
        fetch(`${api.url}/v1/jobs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `${key}-race` },
          body: JSON.stringify({ modality: 'visual', stationId: 'line-4', objectKeys: keys }),
        }),
      ),
    );
    expect(both.map((r) => r.status)).toEqual([202, 202]);
    const ids = await Promise.all(both.map(async (r) => ((await r.json()) as { jobId: string }).jobId));
    expect(ids[0]).toBe(ids[1]);
    const { rows } = await sql.query<{ n: number; items: number }>(
      `SELECT count(*)::int AS n, (SELECT count(*)::int FROM inspection_items WHERE job_id = $2::uuid) AS items
       FROM jobs WHERE idempotency_key = $1`,
      [`${key}-race`, ids[0]],
    );
    expect(rows[0]).toEqual({ n: 1, items: 2 });
    await finished(ids[0]!);
  });

  it('answers 400 naming object keys that are not in the store, and for malformed requests', async () => {
    const [present] = await storeImages(['present']);
    const absent = `sha256/ab/${'ab'.repeat(32)}`;
    const res = await submitKeys([present!, absent, 'not-a-key']);
    expect(res.status).toBe(400);
    const message = (res.body.error as { message: string }).message;
    expect(message).toContain(absent);
    expect(message).toContain('not-a-key');
    expect((await submitKeys([])).status).toBe(400);
    expect((await submitKeys([present!], { stationId: 'bad station!' })).status).toBe(400);
    const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE total = 3`);
    expect(rows[0]?.n).toBe(0);
  });

  it('answers 404 for an unknown job and 400 for a malformed id', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await getJob(unknown)).status).toBe(404);
    expect((await fetch(`${api.url}/v1/jobs/${unknown}/results`)).status).toBe(404);
    expect((await fetch(`${api.url}/v1/jobs/${unknown}`, { method: 'DELETE' })).status).toBe(404);
    expect((await getJob('not-a-uuid')).status).toBe(400);
    expect((await fetch(`${api.url}/v1/jobs/nope`, { method: 'DELETE' })).status).toBe(400);
  });

  it('marks undecodable and blank items failed with their error and still completes the job', async () => {
    const keys = await storeImages(['fine-a', 'corrupt-b', 'fine-c', 'blank-d']);
    const { body } = await submitKeys(keys);
    const jobId = body.jobId as string;
    expect(await finished(jobId)).toMatchObject({ status: 'completed', done: 2, failed: 2, progress: 1 });
    const page = (await (await fetch(`${api.url}/v1/jobs/${jobId}/results`)).json()) as {
      items: Array<Record<string, unknown>>;
    };
    expect(page.items[1]).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('decoded'),
      decision: null,
    });
    expect(page.items[3]).toMatchObject({ status: 'failed', error: expect.stringContaining('uniform') });
    expect((await jobCounts(sql, jobId)).decisions).toBe(2);
  });

  it('counts decisions in the job status and filters results by decision and item status', async () => {
    const tags = ['ok-0', 'defect-1', 'unsure-2', 'corrupt-3', 'defect-4', 'ok-5', 'unsure-6', 'defect-7'];
    const { body } = await submitKeys(await storeImages(tags));
    const jobId = body.jobId as string;
    const job = await finished(jobId);
    expect(job).toMatchObject({ done: 7, failed: 1, decisions: { pass: 2, review: 2, fail: 3 } });

    const indices = async (query: string): Promise<number[]> => {
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page = (await (
          await fetch(
            `${api.url}/v1/jobs/${jobId}/results?limit=2&${query}${cursor ? `&cursor=${cursor}` : ''}`,
          )
        ).json()) as { items: Array<{ index: number }>; nextCursor: string | null };
        seen.push(...page.items.map((i) => i.index));
        cursor = page.nextCursor;
      } while (cursor !== null);
      return seen;
    };
    expect(await indices('decision=fail')).toEqual([1, 4, 7]);
    expect(await indices('decision=fail,review')).toEqual([1, 2, 4, 6, 7]);
    expect(await indices('decision=review&decision=pass')).toEqual([0, 2, 5, 6]);
    expect(await indices('status=failed')).toEqual([3]);
    expect(await indices('status=succeeded&decision=pass')).toEqual([0, 5]);

    const bad = await fetch(`${api.url}/v1/jobs/${jobId}/results?decision=fail,broken`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { details: unknown } }).error.details).toEqual({
      decision: ['broken'],
    });
    expect((await fetch(`${api.url}/v1/jobs/${jobId}/results?status=`)).status).toBe(400);
  });

  it('retries transient failures (Triton unavailable) without counting them as failed', async () => {
    const failedOnce = new Set<string>();
    decider.impl = (input, ctx) => {
      if (!failedOnce.has(ctx.requestId)) {
        failedOnce.add(ctx.requestId);
        return Promise.reject(new UnavailableError('no Triton endpoint is ready'));
      }
      return Promise.resolve(fakeDecision(input, ctx));
    };
    const keys = await storeImages(['t-1', 't-2', 't-3']);
    const { body } = await submitKeys(keys);
    const jobId = body.jobId as string;
    expect(await finished(jobId)).toMatchObject({ status: 'completed', done: 3, failed: 0 });
    expect(failedOnce.size).toBe(3);
    expect((await jobCounts(sql, jobId)).decisions).toBe(3);
    const { rows } = await sql.query<{ attempts: number }>(
      `SELECT attempts FROM inspection_items WHERE job_id = $1 ORDER BY item_index`,
      [jobId],
    );
    expect(rows.map((r) => r.attempts)).toEqual([2, 2, 2]);
  });

  it('cancels a running job: pending items are skipped, in-flight results dropped, and a second cancel is 409', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    decider.impl = async (input, ctx) => {
      await gate;
      return fakeDecision(input, ctx);
    };
    const keys = await storeImages(Array.from({ length: 10 }, (_, i) => `cancel-${i}`));
    const { body } = await submitKeys(keys);
    const jobId = body.jobId as string;
    await waitFor('items in flight', async () =>
      (await getJob(jobId)).body.status === 'running' ? true : undefined,
    );

    const cancel = await fetch(`${api.url}/v1/jobs/${jobId}?reason=wrong%20lot`, { method: 'DELETE' });
    expect(cancel.status).toBe(200);
    expect(await cancel.json()).toMatchObject({ status: 'cancelled', done: 0 });
    release();
    await new Promise((r) => setTimeout(r, 500));

    expect((await getJob(jobId)).body).toMatchObject({ status: 'cancelled', done: 0, failed: 0 });
    expect(await jobCounts(sql, jobId)).toEqual({ inspections: 0, decisions: 0, events: 0, completions: 1 });
    const { rows } = await sql.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM inspection_items WHERE job_id = $1 GROUP BY status`,
      [jobId],
    );
    expect(rows).toEqual([{ status: 'cancelled', n: 10 }]);
    const audit = await sql.query<{ reason: string }>(
      `SELECT reason FROM audit_trail WHERE action = 'job.cancelled' AND entity_id = $1`,
      [jobId],
    );
    expect(audit.rows).toEqual([{ reason: 'wrong lot' }]);

    const again = await fetch(`${api.url}/v1/jobs/${jobId}`, { method: 'DELETE' });
    expect(again.status).toBe(409);
  });

  it('pauses while every Triton breaker is open and resumes when one closes', async () => {
    availability.set(false);
    const keys = await storeImages(['pause-1', 'pause-2', 'pause-3', 'pause-4']);
    const callsBefore = decider.calls;
    const { body } = await submitKeys(keys);
    const jobId = body.jobId as string;
    await new Promise((r) => setTimeout(r, 700));
    expect(jobs.paused).toBe(true);
    expect(decider.calls).toBe(callsBefore);
    expect((await getJob(jobId)).body).toMatchObject({ status: 'queued', done: 0, progress: 0 });

    availability.set(true);
    expect(await finished(jobId)).toMatchObject({ status: 'completed', done: 4 });
    expect(jobs.paused).toBe(false);
    expect(decider.calls - callsBefore).toBe(4);
  });
});
