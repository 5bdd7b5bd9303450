import express, { type NextFunction, type Request, type Response } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UnavailableError } from '../domain/errors';
import { toHttpError } from '../http/error-mapping';
import type { ModelContract } from '../routing';
import { DriftMonitor } from './drift-monitor';
import type { DriftReport } from './drift-report';
import { driftRoutes } from './drift-routes';
import { DriftService } from './drift-service';
import { driftContract, halves } from './fake-drift-contract';

const thermal = driftContract();
const unmonitored = { ...driftContract({ drift_reference_json: undefined }), model: 'electrical_ensemble' };
/** Models in the fake repository and the contract each serves (undefined: not loaded). */
const served = new Map<string, ModelContract | undefined>([
  ['thermal_ensemble', thermal],
  ['electrical_ensemble', unmonitored],
  ['visual_ensemble', undefined],
]);

let monitor: DriftMonitor;
let server: Server;
let base: string;

beforeAll(async () => {
  monitor = new DriftMonitor({ windowSize: 200, minCount: 100 });
  const catalog = { list: async () => [...served.keys()].map((name) => ({ name })) };
  const contracts = {
    get: async (model: string) => {
      const c = served.get(model);
      if (!c) throw new UnavailableError(`model '${model}' is not ready`);
      return c;
    },
  };
  const app = express();
  app.use('/v1/models', driftRoutes(new DriftService(monitor, catalog, contracts)));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const mapped = toHttpError(err, 't');
    res.status(mapped.status).json(mapped.body);
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/models`;
});

afterAll(() => new Promise((r) => server.close(r)));

async function drift(model: string): Promise<{ status: number; body: DriftReport }> {
  const res = await fetch(`${base}/${model}/drift`);
  return { status: res.status, body: (await res.json()) as DriftReport };
}

describe('GET /v1/models/:name/drift', () => {
  it('says a monitored model has no window before its first decision', async () => {
    const { status, body } = await drift('thermal_ensemble');
    expect(status).toBe(200);
    expect(body).toEqual({
      model: 'thermal_ensemble',
      monitored: true,
      signals: ['defect_probability', 'pixel_mean', 'pixel_std'],
      problems: [],
      windowSize: 200,
      minCount: 100,
      thresholds: { watch: 0.1, drift: 0.2 },
      versions: [],
    });
  });

  it('reports insufficient data, then PSI, means, histograms and status per signal', async () => {
    for (let i = 0; i < 60; i++) monitor.observe(thermal, '1', 0.9, halves(150, 150));
    let body = (await drift('thermal_ensemble')).body;
    expect(body.versions[0]).toMatchObject({ version: '1', status: 'insufficient_data', windowItems: 60 });
    expect(body.versions[0]!.signals.pixel_mean).toMatchObject({
      status: 'insufficient_data',
      psi: null,
      reason: '60 of the 100 observations a PSI needs',
      count: 60,
    });

    for (let i = 0; i < 60; i++) monitor.observe(thermal, '1', 0.1, halves(150, 150));
    body = (await drift('thermal_ensemble')).body;
    const v = body.versions[0]!;
    expect(v).toMatchObject({
      version: '1',
      configHash: thermal.configHash,
      windowItems: 120,
      observed: 120,
    });
    expect(Date.parse(v.lastObservedAt)).toBeGreaterThanOrEqual(Date.parse(v.firstObservedAt));
    // defect_probability: 50 / 50 as the reference; pixel mean all in the middle bin; std all in bin 0.
    expect(v.signals.defect_probability).toEqual({
      status: 'ok',
      psi: 0,
      count: 120,
      currentMean: 0.5,
      referenceMean: 0.5,
      referenceN: 500,
      edges: [0, 0.5, 1],
      currentFractions: [0.5, 0.5],
      referenceFractions: [0.5, 0.5],
    });
    // cur [0, 1, 0] vs ref [0.25, 0.5, 0.25]: 2 × (1e-4 − 0.25)·ln(1e-4/0.25) + 0.5·ln 2 = 3.910458 + 0.346574
    expect(v.signals.pixel_mean).toMatchObject({ status: 'drift', currentMean: 150, referenceMean: 150 });
    expect(v.signals.pixel_mean!.psi).toBeCloseTo(4.257032, 5);
    expect(v.signals.pixel_mean!.currentFractions).toEqual([0, 1, 0]);
    expect(v.signals.pixel_std).toMatchObject({ status: 'ok', psi: 0, currentMean: 0 });
    expect(v.status).toBe('drift');
  });

  it('says why a model in the repository is not monitored', async () => {
    const { status, body } = await drift('electrical_ensemble');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      monitored: false,
      reason: 'the model config has no drift_reference_json',
      versions: [],
    });
    const notLoaded = await drift('visual_ensemble');
    expect(notLoaded.status).toBe(200);
    expect(notLoaded.body.monitored).toBeNull();
    expect(notLoaded.body.reason).toMatch(/cannot be read: model 'visual_ensemble' is not ready/);
  });

  it('answers 404 for a model that is not in the repository', async () => {
    const res = await fetch(`${base}/no_such_model/drift`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'not_found',
      message: "model 'no_such_model' is not in the repository",
    });
  });
});
