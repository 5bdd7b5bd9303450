// Fault test: kill -9 the gateway in the middle of an experiment's replay; after a restart, once the dead gateway's
// lease has run out (EXPERIMENT_LEASE_SECONDS, 3 s here), the new process takes the replay over and completes it:
// every item compared exactly once, and the audit trail says who took it over.
//
// Same set-up as gateway-kill-mid-job.test.ts: the built gateway as its own process group, on this file's test
// database, with the fixture models (here a repository serving versions 1 and 2 of the visual fixture).
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

const DATASET = path.resolve(REPO_ROOT, '../shared/datasets/magnetic_tile/images/Free');
const TOTAL = 300;

let database: TestDatabase;
let sql: Client;
let dataDir: string;
let repository: string;
let port: number;
let running: GatewayProcess | undefined;

beforeAll(async () => {
  assertBuilt('experiments/index.js');
  database = await createTestDatabase();
  sql = new Client({ connectionString: database.url });
  await sql.connect();
  dataDir = mkdtempSync(path.join(tmpdir(), 'gateway-kill-replay-'));
  repository = mkdtempSync(path.join(tmpdir(), 'gateway-kill-replay-repo-'));
  cpSync(FIXTURES, repository, { recursive: true });
  const model = path.join(repository, 'visual_fixture');
  cpSync(path.join(model, '1'), path.join(model, '2'), { recursive: true });
  const config = path.join(model, 'config.pbtxt');
  writeFileSync(config, `version_policy: { all: {} }\n${readFileSync(config, 'utf8')}`);
  port = await freePort();
});

afterAll(async () => {
  if (running) await kill9(running.child);
  await sql?.end();
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (repository) rmSync(repository, { recursive: true, force: true });
});

const startGateway = () =>
  startGatewayProcess(port, {
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    MODEL_REPOSITORY: repository,
    MODEL_ROUTES: 'visual:visual_fixture,thermal:thermal_fixture,electrical:electrical_fixture',
    EXPERIMENT_LEASE_SECONDS: '3',
  });

async function experiment(url: string, id: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/v1/experiments/${id}`);
  if (!res.ok) throw new Error(`GET /v1/experiments/${id} answered ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

it(`completes a ${TOTAL}-item replay after the gateway is killed mid-replay, each item compared once`, async () => {
  running = await startGateway();
  // Inspections decided by version 1: a batch job of TOTAL images, pinned to version 1.
  const form = new FormData();
  form.set('modality', 'visual');
  form.set('stationId', 'line-replay');
  form.set('model', 'visual_fixture');
  form.set('version', '1');
  const names = readdirSync(DATASET)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .slice(0, TOTAL);
  for (const name of names) form.append('images', new Blob([readFileSync(path.join(DATASET, name))]), name);
  const job = await fetch(`${running.url}/v1/jobs`, { method: 'POST', body: form });
  expect(job.status).toBe(202);
  const { jobId } = (await job.json()) as { jobId: string };
  for (;;) {
    const status = (await (await fetch(`${running.url}/v1/jobs/${jobId}`)).json()) as { status: string };
    if (status.status === 'completed') break;
    expect(status.status).not.toBe('failed');
    await sleep(200);
  }

  const started = await fetch(`${running.url}/v1/experiments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'visual_fixture',
      candidateVersion: 2,
      baselineVersion: 1,
      reason: 'before promoting 2',
    }),
  });
  expect(started.status).toBe(202);
  const { experimentId, total } = (await started.json()) as { experimentId: string; total: number };
  expect(total).toBe(TOTAL);
  let atKill = await experiment(running.url, experimentId);
  while ((atKill.done as number) < 20) {
    await sleep(20);
    atKill = await experiment(running.url, experimentId);
  }
  const deadRunner = atKill.runner as string;
  expect(deadRunner).toMatch(/:\d+:/);
  await kill9(running.child);
  running = undefined;

  running = await startGateway();
  const until = Date.now() + 300_000;
  let final = await experiment(running.url, experimentId);
  while (final.status !== 'completed') {
    expect(final.status).not.toBe('failed');
    if (Date.now() > until)
      throw new Error(`replay did not complete: ${JSON.stringify(final)}\n${running.output()}`);
    await sleep(200);
    final = await experiment(running.url, experimentId);
  }
  expect(final).toMatchObject({
    total: TOTAL,
    done: TOTAL,
    failed: 0,
    summary: { compared: TOTAL, agreement: 1 },
  });

  const items = await sql.query<{ decided: number }>(
    `SELECT count(*)::int AS decided FROM experiment_items WHERE experiment_id = $1 AND candidate_decision IS NOT NULL`,
    [experimentId],
  );
  expect(items.rows[0]?.decided).toBe(TOTAL);
  const audit = await sql.query<{ action: string; actor: string; reason: string }>(
    'SELECT action, actor_id AS actor, reason FROM audit_trail WHERE entity_id = $1 ORDER BY seq',
    [experimentId],
  );
  expect(audit.rows.map((r) => r.action)).toEqual([
    'experiment.started',
    'experiment.resumed',
    'experiment.completed',
  ]);
  expect(audit.rows[1]).toMatchObject({
    actor: 'experiment-runner',
    reason: `taken over from ${deadRunner}`,
  });
  console.log(
    `kill -9 mid-replay: ${atKill.done as number}/${TOTAL} items compared at the kill; completed after the restart`,
  );
});
