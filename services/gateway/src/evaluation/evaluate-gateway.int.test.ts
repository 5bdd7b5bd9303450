// The end-to-end evaluation through a real gateway (started in-process as `npm start` does, with its embedded
// model-server and the fixture models) against the direct evaluation on the same model-server and items:
// the decisions must be identical and the figures equal.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DATASETS, startTestGateway } from '../../../../tests/e2e/gateway-harness';
import type { RunningGateway } from '../server';
import { evaluateModel } from './evaluate-model';
import { evaluateThroughGateway, type GatewayEvaluationOptions } from './evaluate-through-gateway';
import type { EvaluationReport } from './report';
import { makeTempDir, writeElectricalDataset, writeImageDataset } from './temp-datasets';

let gateway: RunningGateway;
let url: string;
let triton: string;
const quiet = () => undefined;

beforeAll(async () => {
  ({ gateway, url } = await startTestGateway());
  triton = gateway.tritonAddresses[0]!;
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
});

async function both(
  model: string,
  modality: GatewayEvaluationOptions['modality'],
  data: string,
  limit?: number,
): Promise<[EvaluationReport, EvaluationReport]> {
  const common = { data, log: quiet, ...(limit === undefined ? {} : { limit }) };
  const direct = await evaluateModel({
    ...common,
    model,
    url: triton,
    repository: '',
    concurrency: 2,
    batch: 7,
    timeoutMs: 60_000,
  });
  const viaGateway = await evaluateThroughGateway({
    ...common,
    url,
    modality,
    stationId: 'evaluation',
    concurrency: 4,
    timeoutMs: 60_000,
    measurements: 'object',
  });
  return [direct, viaGateway];
}

function expectSameFigures(direct: EvaluationReport, viaGateway: EvaluationReport): void {
  expect(viaGateway.items.map((i) => [i.id, i.decision, i.predicted_class])).toEqual(
    direct.items.map((i) => [i.id, i.decision, i.predicted_class]),
  );
  for (const key of [
    'n',
    'accuracy',
    'macro_f1',
    'escape_rate',
    'false_reject_rate',
    'false_reject_or_review_rate',
    'review_rate',
    'decisions',
    'confusion',
    'per_class',
  ] as const) {
    expect({ key, value: viaGateway[key] }).toEqual({ key, value: direct[key] });
  }
  // P(defect) comes from the model's output directly and from 1 − P(good) through the gateway: equal up to
  // float32 rounding, so the ranking figures agree far inside the 0.5-point budget.
  for (const key of ['auroc', 'ece'] as const) {
    expect(Math.abs((viaGateway[key] ?? NaN) - (direct[key] ?? NaN))).toBeLessThan(1e-6);
  }
  expect(viaGateway.model).toEqual(direct.model);
  expect(viaGateway.labels.good_class).toBe(direct.labels.good_class);
  expect(viaGateway.labels.source).toMatch(/contract read from Triton/);
  expect(viaGateway.failures.count).toBe(0);
}

describe('npm run evaluate:gateway', () => {
  it('gives the direct evaluation figures on 12 magnetic-tile images (visual)', async () => {
    const [direct, viaGateway] = await both(
      'visual_fixture',
      'visual',
      path.join(DATASETS, 'magnetic_tile'),
      12,
    );
    expect(direct.n).toBe(12);
    expectSameFigures(direct, viaGateway);
    expect(viaGateway.endpoint).toEqual({ gateway: url, modality: 'visual' });
  });

  it('gives the direct evaluation figures on 30 thermal images', async () => {
    const [direct, viaGateway] = await both(
      'thermal_fixture',
      'thermal',
      path.join(DATASETS, 'infrared_solar_modules'),
      30,
    );
    expect(direct.n).toBe(30);
    expectSameFigures(direct, viaGateway);
  });

  it('gives the direct evaluation figures on electrical measurements sent as JSON', async () => {
    const dir = await makeTempDir('evaluate-gateway-electrical-');
    try {
      await writeElectricalDataset(dir, 12);
      const [direct, viaGateway] = await both('electrical_fixture', 'electrical', dir);
      expect(direct.n).toBe(12);
      expectSameFigures(direct, viaGateway);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('counts and lists the items the gateway refuses, and still evaluates the rest', async () => {
    const dir = await makeTempDir('evaluate-gateway-refusals-');
    try {
      const tile = (cls: string, name: string) =>
        fs.readFile(path.join(DATASETS, 'magnetic_tile/images', cls, name));
      const free = (await fs.readdir(path.join(DATASETS, 'magnetic_tile/images/Free'))).sort().slice(0, 3);
      const crack = (await fs.readdir(path.join(DATASETS, 'magnetic_tile/images/Crack'))).sort().slice(0, 2);
      const files = [
        ...(await Promise.all(
          free.map(async (name) => ({ cls: 'Free', name, bytes: await tile('Free', name) })),
        )),
        ...(await Promise.all(
          crack.map(async (name) => ({ cls: 'Crack', name, bytes: await tile('Crack', name) })),
        )),
      ];
      const truncated = files[1]!.bytes.subarray(0, 600);
      files.push({ cls: 'Crack', name: 'truncated.jpg', bytes: truncated });
      files.push({ cls: 'Free', name: 'not-an-image.jpg', bytes: Buffer.from('hello') });
      await writeImageDataset(dir, files);
      const [direct, viaGateway] = await both('visual_fixture', 'visual', dir);
      expect(viaGateway.failures).toEqual({
        count: 2,
        by_status: { '415': 1, '422': 1 },
        first: [
          expect.objectContaining({
            id: 'images/Crack/truncated.jpg',
            status: 422,
            code: 'undecodable_image',
          }),
          expect.objectContaining({ id: 'images/Free/not-an-image.jpg', status: 415 }),
        ],
      });
      expect(direct.failures.count).toBe(2);
      expect(viaGateway.n).toBe(5);
      expect(viaGateway.dataset.sent).toBe(7);
      expect(viaGateway.items.map((i) => i.decision)).toEqual(direct.items.map((i) => i.decision));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
