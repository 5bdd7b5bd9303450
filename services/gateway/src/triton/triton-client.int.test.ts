import { ModelServer } from '@defect-gateway/model-server';
import * as path from 'node:path';
import pino from 'pino';
import { NotFoundError, TooManyRequestsError } from '../domain/errors';
import { readFloat32, type WireTensor } from '../domain/tensor';
import { deadPort } from './fake-triton-server';
import { TritonClient } from './triton-client';

const REPO = path.resolve(__dirname, '../../../../tests/fixtures/model_repository');

function fp32(name: string, values: number[]): WireTensor {
  const data = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => data.writeFloatLE(v, i * 4));
  return { name, datatype: 'FP32', shape: [1, values.length], data };
}

const a = Array.from({ length: 16 }, (_, i) => i);
const b = Array.from({ length: 16 }, (_, i) => 100 - 2 * i);
const inputs = (): WireTensor[] => [fp32('INPUT0', a), fp32('INPUT1', b)];

describe('TritonClient against model-server', () => {
  let server: ModelServer;
  let address: string;
  let dead: string;
  const clients: TritonClient[] = [];
  const client = (endpoints: string[]): TritonClient => {
    const c = new TritonClient({ endpoints });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await ModelServer.start({
      modelRepository: REPO,
      grpcAddress: '127.0.0.1',
      grpcPort: 0,
      metricsPort: undefined,
      controlMode: 'explicit',
      loadModels: ['simple', 'queue_limited'],
      exitOnError: true,
      exitTimeoutSeconds: 5,
      log: pino({ level: 'silent' }),
    });
    address = `127.0.0.1:${server.grpcPort}`;
    dead = `127.0.0.1:${await deadPort()}`;
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('infers on simple: OUTPUT0 = INPUT0 + INPUT1, OUTPUT1 = INPUT0 - INPUT1', async () => {
    const c = client([address]);
    await c.connect();
    const res = await c.infer(
      { model: 'simple', id: 'x1', inputs: inputs() },
      { deadline: Date.now() + 5000 },
    );
    expect(res).toMatchObject({ model: 'simple', version: '1', id: 'x1' });
    expect(res.outputs.get('OUTPUT0')?.shape).toEqual([1, 16]);
    expect(Array.from(readFloat32(res.outputs.get('OUTPUT0')!))).toEqual(a.map((v, i) => v + b[i]!));
    expect(Array.from(readFloat32(res.outputs.get('OUTPUT1')!))).toEqual(a.map((v, i) => v - b[i]!));
  });

  it('reads the model contract from the server', async () => {
    const c = client([address]);
    const config = await c.modelConfig('simple');
    expect(config.max_batch_size).toBe(8);
    expect(config.input.map((i) => i.name)).toEqual(['INPUT0', 'INPUT1']);
    expect(await c.modelMetadata('simple')).toMatchObject({ name: 'simple', versions: ['1'] });
    expect(await c.modelReady('simple')).toBe(true);
  });

  it('fails over from a dead endpoint and opens its breaker', async () => {
    const c = client([dead, address]);
    for (let i = 0; i < 12; i++) {
      const res = await c.infer({ model: 'simple', inputs: inputs() }, { deadline: Date.now() + 5000 });
      expect(res.outputs.has('OUTPUT0')).toBe(true);
    }
    expect(c.endpoints()).toEqual([
      { address: dead, state: 'open', ready: false },
      { address, state: 'closed', ready: true },
    ]);
    expect(c.available()).toBe(true);
  });

  it('with connect(), a dead endpoint is marked open at start-up', async () => {
    const c = client([dead, address]);
    await c.connect();
    expect(c.endpoints().map((e) => e.state)).toEqual(['open', 'closed']);
  });

  it('queue_limited under concurrency gives TooManyRequestsError and leaves the breaker closed', async () => {
    const c = client([address]);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        c.infer({ model: 'queue_limited', inputs: inputs() }, { deadline: Date.now() + 5000 }),
      ),
    );
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
    for (const r of rejected) expect(r.reason).toBeInstanceOf(TooManyRequestsError);
    expect(c.endpoints()).toEqual([{ address, state: 'closed', ready: true }]);
  });

  it('an unknown model gives NotFoundError', async () => {
    const c = client([address]);
    await expect(
      c.infer({ model: 'no_such_model', inputs: inputs() }, { deadline: Date.now() + 5000 }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(c.endpoints()[0]?.state).toBe('closed');
  });
});
