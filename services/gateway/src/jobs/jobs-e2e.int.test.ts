// A small job end to end through the real gateway pieces: embedded model-server with the fixture models, the
// Triton client, preprocessing, dynamic batching, postprocessing, a local image directory and real Postgres.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import pino from 'pino';
import { loadConfig } from '../config';
import { EmbeddedModelServer } from '../embedded-model-server';
import { ContractImages, ContractMeasurements } from '../inspections/contract-inputs';
import { InspectionService } from '../inspections/inspection-service';
import { ModelRunner } from '../inspections/model-runner';
import { GatewayMetrics } from '../monitoring/gateway-metrics';
import { ImagePreprocessor } from '../preprocess';
import { createDatabase, type Database } from '../records/db';
import { DecisionRecorder } from '../records/decision-recorder';
import { PostgresRecords } from '../records/record-stores';
import { createTestDatabase, type TestDatabase } from '../records/test-database';
import { ContractRegistry, ModelRouter } from '../routing';
import { LocalObjectStore } from '../storage/local-object-store';
import { TritonClient } from '../triton';
import { createJobs, type Jobs } from './index';
import { jobCounts, serveJobs, waitFor } from './jobs-test-kit';

jest.setTimeout(120_000);

const REPO_ROOT = path.resolve(__dirname, '../../../..');
const FIXTURES = path.join(REPO_ROOT, 'tests/fixtures/gateway_repository');
const FREE = path.resolve(REPO_ROOT, '../shared/datasets/magnetic_tile/images/Free');

describe('a batch job through the real inference path', () => {
  const log = pino({ level: 'silent' });
  let database: TestDatabase;
  let db: Database;
  let sql: Client;
  let embedded: EmbeddedModelServer;
  let triton: TritonClient;
  let runner: ModelRunner;
  let imageDir: string;
  let jobs: Jobs;
  let api: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDatabase({ connectionString: database.url, max: 6 });
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    embedded = await EmbeddedModelServer.start(FIXTURES, log);
    triton = new TritonClient({ endpoints: [embedded.address], log });
    await triton.connect();
    const config = loadConfig({
      MODEL_REPOSITORY: FIXTURES,
      MODEL_ROUTES: 'visual:visual_fixture,thermal:thermal_fixture,electrical:electrical_fixture',
      LOG_LEVEL: 'silent',
    });
    const contracts = new ContractRegistry(async (model, version) => {
      const [cfg, metadata] = await Promise.all([
        triton.modelConfig(model, version),
        triton.modelMetadata(model, version),
      ]);
      const highest = metadata.versions.map(Number).sort((a, b) => b - a)[0];
      return { config: cfg, metadata, version: version ?? (highest === undefined ? '' : String(highest)) };
    });
    runner = new ModelRunner(triton, { maxQueueDepth: 256, maxWaitMs: 5, maxInFlight: 2 });
    const inspections = new InspectionService({
      resolver: new ModelRouter(config.routes),
      contracts,
      images: new ContractImages(
        new ImagePreprocessor({
          maxInputBytes: config.maxUploadBytes,
          maxInputPixels: config.maxInputPixels,
        }),
      ),
      measurements: new ContractMeasurements(),
      runner,
      metrics: new GatewayMetrics(),
      log,
      requestTimeoutMs: 30_000,
    });
    imageDir = await mkdtemp(path.join(tmpdir(), 'jobs-e2e-'));
    jobs = createJobs({
      database: db,
      recorder: new DecisionRecorder(new PostgresRecords(db)),
      objects: await LocalObjectStore.open(imageDir),
      inspections,
      availability: triton,
      log,
      worker: { concurrency: 4, pollIntervalMs: 100 },
    });
    await jobs.start();
    api = await serveJobs(jobs);
  });

  afterAll(async () => {
    await api?.close();
    await jobs?.stop();
    await runner?.drain();
    await triton?.close();
    await embedded?.stop();
    await sql?.end();
    await db?.close();
    await database?.drop();
    if (imageDir) await rm(imageDir, { recursive: true, force: true });
  });

  it('uploads 5 magnetic-tile images, decides each with the fixture model and records 5 decisions', async () => {
    const names = (await readdir(FREE))
      .filter((f) => f.endsWith('.jpg'))
      .sort()
      .slice(0, 5);
    const form = new FormData();
    form.set('modality', 'visual');
    form.set('stationId', 'line-2');
    form.set('lotId', 'LOT-E2E');
    for (const name of names) form.append('images', new Blob([await readFile(path.join(FREE, name))]), name);
    const res = await fetch(`${api.url}/v1/jobs`, { method: 'POST', body: form });
    expect(res.status).toBe(202);
    const { jobId, total } = (await res.json()) as { jobId: string; total: number };
    expect(total).toBe(5);

    const job = await waitFor(
      'the job to complete',
      async () => {
        const body = (await (await fetch(`${api.url}/v1/jobs/${jobId}`)).json()) as Record<string, unknown>;
        return body.status === 'completed' || body.status === 'failed' ? body : undefined;
      },
      90_000,
    );
    expect(job).toMatchObject({ status: 'completed', total: 5, done: 5, failed: 0, progress: 1 });

    const page = (await (await fetch(`${api.url}/v1/jobs/${jobId}/results`)).json()) as {
      items: Array<{
        source: string;
        decision: string;
        model: { name: string };
        scores: Record<string, number>;
      }>;
    };
    expect(page.items.map((i) => i.source)).toEqual(names);
    for (const item of page.items) {
      expect(['pass', 'review', 'fail']).toContain(item.decision);
      expect(item.model.name).toBe('visual_fixture');
      expect(Object.keys(item.scores).length).toBeGreaterThan(0);
    }
    expect(await jobCounts(sql, jobId)).toEqual({ inspections: 5, decisions: 5, events: 5, completions: 1 });
    const { rows } = await sql.query<{ n: number }>(
      `SELECT count(DISTINCT payload->>'inputSha256')::int AS n FROM audit_trail
       WHERE action = 'inspection.decided' AND payload->>'jobId' = $1`,
      [jobId],
    );
    expect(rows[0]?.n).toBe(5);
  });
});
