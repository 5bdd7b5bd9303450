/**
 * Contracts read over real gRPC (ModelConfig + ModelMetadata) from model-server serving the gateway fixture
 * repository, then one real inference per modality decided by postprocess/.
 */
import { ModelServer } from '@defect-gateway/model-server';
import * as path from 'node:path';
import pino from 'pino';
import { readFloat32, type WireTensor } from '../domain/tensor';
import { decideInspection, itemOutputs, requestedOutputs } from '../postprocess';
import { TritonClient } from '../triton';
import { ContractRegistry } from './contract-registry';
import type { ModelContract } from './contract-types';

const REPO = path.resolve(__dirname, '../../../../tests/fixtures/gateway_repository');

describe('ContractRegistry against model-server (gateway fixtures)', () => {
  let server: ModelServer;
  let client: TritonClient;
  let registry: ContractRegistry;

  beforeAll(async () => {
    server = await ModelServer.start({
      modelRepository: REPO,
      grpcAddress: '127.0.0.1',
      grpcPort: 0,
      metricsPort: undefined,
      controlMode: 'none',
      loadModels: [],
      exitOnError: true,
      exitTimeoutSeconds: 5,
      log: pino({ level: 'silent' }),
    });
    client = new TritonClient({ endpoints: [`127.0.0.1:${server.grpcPort}`] });
    await client.connect();
    registry = new ContractRegistry(async (model, version) => {
      const [config, metadata] = await Promise.all([
        client.modelConfig(model, version),
        client.modelMetadata(model, version),
      ]);
      return { config, metadata, version: version ?? metadata.versions[0] ?? '' };
    });
  });
  afterAll(async () => {
    await client.close();
    await server.stop();
  });

  async function infer(contract: ModelContract, input: WireTensor) {
    const result = await client.infer(
      { model: contract.model, inputs: [input], outputs: requestedOutputs(contract) },
      { deadline: Date.now() + 5000 },
    );
    const floats = new Map([...result.outputs].map(([name, t]) => [name, readFloat32(t)]));
    return itemOutputs(contract, floats, 0);
  }

  it('parses every fixture contract from ModelConfig + ModelMetadata', async () => {
    for (const model of ['visual_fixture', 'thermal_fixture', 'electrical_fixture']) {
      const contract = await registry.get(model);
      expect(contract.model).toBe(model);
      expect(contract.version).toBe('1');
      expect(contract.maxBatchSize).toBe(32);
    }
  });

  it('visual_fixture: a dark patch fails with its region in source pixels', async () => {
    const contract = await registry.get('visual_fixture');
    const px = Buffer.alloc(64 * 64, 255);
    for (let r = 32; r < 48; r++) px.fill(0, r * 64 + 16, r * 64 + 32);
    const outputs = await infer(contract, {
      name: 'IMAGE',
      datatype: 'UINT8',
      shape: [1, 1, 64, 64],
      data: px,
    });
    const outcome = decideInspection(contract, outputs, { width: 640, height: 480 });
    expect(outcome.decision).toBe('fail');
    expect(outcome.defects[0]).toMatchObject({
      class: 'Crack',
      region: { x: 160, y: 240, width: 160, height: 120 },
    });
  });

  it('thermal_fixture: the gateway calibrates the logits of a hot spot', async () => {
    const contract = await registry.get('thermal_fixture');
    const px = Buffer.alloc(40 * 24, 0);
    px[7 * 24 + 5] = 255;
    const outputs = await infer(contract, {
      name: 'IMAGE',
      datatype: 'UINT8',
      shape: [1, 1, 40, 24],
      data: px,
    });
    const outcome = decideInspection(contract, outputs);
    expect(outcome.decision).toBe('fail');
    expect(outcome.scores['Hot-Spot']).toBeGreaterThan(0.98);
    expect(outcome.defects.map((d) => [d.class, d.severity])).toEqual([['Hot-Spot', 'critical']]);
  });

  it('electrical_fixture: NaN measurements are imputed in the graph and pass', async () => {
    const contract = await registry.get('electrical_fixture');
    const data = Buffer.alloc(8 * 4);
    for (let i = 0; i < 8; i++) data.writeFloatLE(NaN, i * 4);
    const outputs = await infer(contract, { name: 'MEASUREMENTS', datatype: 'FP32', shape: [1, 8], data });
    const outcome = decideInspection(contract, outputs);
    expect(outcome.decision).toBe('pass');
    expect(outcome.defectProbability).toBeCloseTo(1 / (1 + Math.exp(2)), 6);
    expect(outcome.anomalyScore).toBe(0);
  });
});
