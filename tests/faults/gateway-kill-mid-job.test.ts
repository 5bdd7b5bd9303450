// Fault test: kill -9 the gateway in the middle of a 500-image batch job; after a restart the job completes and
// the audit trail holds exactly 500 decisions for it (none lost, none doubled).
//
// The gateway runs as a separate process exactly as `npm start` runs it (services/gateway/bin/gateway.js, so
// `npm run build` first), with DATABASE_URL pointing to this file's own test database and the fixture models
// on the embedded model-server. Killing its process group kills the embedded model-server too, as a crashed
// container would. Items that were in flight stay active in pg-boss until their expiry (30 s by default), then
// the restarted gateway processes them again; the item transaction records each at most once.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../services/gateway/src/records/test-database';
import {
  FIXTURES,
  REPO_ROOT,
  assertBuilt,
  freePort,
  kill9,
  sleep,
  startGatewayProcess,
  type GatewayProcess,
} from './gateway-process';

jest.setTimeout(600_000);

const DATASET = path.resolve(REPO_ROOT, '../shared/datasets/magnetic_tile/images');
const TOTAL = 500;

let database: TestDatabase;
let sql: Client;
let dataDir: string;
let port: number;
let running: GatewayProcess | undefined;

beforeAll(async () => {
  assertBuilt();
  database = await createTestDatabase();
  sql = new Client({ connectionString: database.url });
  await sql.connect();
  dataDir = await mkdtemp(path.join(tmpdir(), 'gateway-kill-'));
  port = await freePort();
});

afterAll(async () => {
  if (running) await kill9(running.child);
  await sql?.end();
  await database?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const url = () => `http://127.0.0.1:${port}`;
const output = () => running?.output() ?? '';

const startGateway = () =>
  startGatewayProcess(port, {
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    MODEL_REPOSITORY: FIXTURES,
    MODEL_ROUTES: 'visual:visual_fixture,thermal:thermal_fixture,electrical:electrical_fixture',
  });

async function jobStatus(jobId: string): Promise<{ status: string; done: number; failed: number }> {
  const res = await fetch(`${url()}/v1/jobs/${jobId}`);
  if (!res.ok) throw new Error(`GET /v1/jobs/${jobId} answered ${res.status}`);
  return (await res.json()) as { status: string; done: number; failed: number };
}

/** TOTAL images cycled from the magnetic-tile classes (defect-free and defective alike). */
async function images(): Promise<Array<{ name: string; bytes: Buffer }>> {
  const files: string[] = [];
  for (const cls of (await readdir(DATASET)).sort()) {
    const names = (await readdir(path.join(DATASET, cls))).filter((f) => f.endsWith('.jpg')).sort();
    files.push(...names.slice(0, 100).map((n) => path.join(DATASET, cls, n)));
  }
  return Promise.all(
    Array.from({ length: TOTAL }, async (_, i) => {
      const file = files[i % files.length]!;
      return { name: `${i}-${path.basename(file)}`, bytes: await readFile(file) };
    }),
  );
}

it(`completes a ${TOTAL}-image job after the gateway is killed mid-job, with exactly ${TOTAL} decisions`, async () => {
  running = await startGateway();
  const form = new FormData();
  form.set('modality', 'visual');
  form.set('stationId', 'line-kill');
  form.set('lotId', 'LOT-KILL');
  for (const img of await images()) form.append('images', new Blob([img.bytes]), img.name);
  const submitted = await fetch(`${url()}/v1/jobs`, { method: 'POST', body: form });
  expect(submitted.status).toBe(202);
  const { jobId, total } = (await submitted.json()) as { jobId: string; total: number };
  expect(total).toBe(TOTAL);

  // Kill it once a fair share is recorded, well before the end.
  let atKill = await jobStatus(jobId);
  while (atKill.done + atKill.failed < TOTAL / 5) {
    expect(atKill.status).not.toBe('completed');
    await sleep(50);
    atKill = await jobStatus(jobId);
  }
  await kill9(running.child);
  running = undefined;
  const recordedAtKill = await decisionsOf(jobId);
  expect(recordedAtKill).toBeLessThan(TOTAL);

  running = await startGateway();
  const until = Date.now() + 480_000;
  let final = await jobStatus(jobId);
  while (final.status !== 'completed' && final.status !== 'failed') {
    if (Date.now() > until) throw new Error(`job did not complete: ${JSON.stringify(final)}\n${output()}`);
    await sleep(500);
    final = await jobStatus(jobId);
  }

  const counts = await sql.query<{ decisions: number; inspections: number; items: number; events: number }>(
    `SELECT (SELECT count(*)::int FROM audit_trail
              WHERE action = 'inspection.decided' AND payload->>'jobId' = $1::text) AS decisions,
            (SELECT count(*)::int FROM inspections WHERE job_id::text = $1::text) AS inspections,
            (SELECT count(*)::int FROM inspection_items
              WHERE job_id::text = $1::text AND status = 'succeeded') AS items,
            (SELECT count(*)::int FROM outbox WHERE topic = 'job.completed' AND payload->'data'->>'jobId' = $1::text) AS events`,
    [jobId],
  );
  const retried = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM inspection_items WHERE job_id::text = $1::text AND attempts > 1`,
    [jobId],
  );
  // The counts for the note.
  console.log(
    `kill -9 mid-job: ${recordedAtKill}/${TOTAL} decisions recorded at the kill, ${retried.rows[0]?.n} items ` +
      `processed again after restart; final ${JSON.stringify(counts.rows[0])}`,
  );
  expect(final).toMatchObject({ status: 'completed', done: TOTAL, failed: 0 });
  expect(counts.rows[0]).toEqual({ decisions: TOTAL, inspections: TOTAL, items: TOTAL, events: 1 });

  const verify = await fetch(`${url()}/v1/audit/verify`);
  if (verify.status !== 404) {
    expect(verify.status).toBe(200);
    expect(await verify.json()).toMatchObject({ ok: true });
  }
});

async function decisionsOf(jobId: string): Promise<number> {
  const { rows } = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM audit_trail WHERE action = 'inspection.decided' AND payload->>'jobId' = $1::text`,
    [jobId],
  );
  return rows[0]?.n ?? -1;
}
