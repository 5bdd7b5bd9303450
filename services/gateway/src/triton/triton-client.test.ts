import { status } from '@grpc/grpc-js';
import { InputError, InternalError, UnavailableError } from '../domain/errors';
import { readFloat32, type WireTensor } from '../domain/tensor';
import { FakeTritonServer, deadPort, grpcError } from './fake-triton-server';
import { TritonClient, parseEndpointList } from './triton-client';

function fp32(name: string, values: number[]): WireTensor {
  const data = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => data.writeFloatLE(v, i * 4));
  return { name, datatype: 'FP32', shape: [1, values.length], data };
}

/** ModelInfer that returns OUTPUT0 = INPUT0 + INPUT1 (FP32), like the fixture model `simple`. */
function sumHandler(request: unknown): unknown {
  const req = request as { model_name: string; id: string; raw_input_contents: Buffer[] };
  const [a, b] = req.raw_input_contents;
  const out = Buffer.alloc(a!.length);
  for (let i = 0; i < out.length; i += 4) out.writeFloatLE(a!.readFloatLE(i) + b!.readFloatLE(i), i);
  return {
    model_name: req.model_name,
    model_version: '3',
    id: req.id,
    outputs: [{ name: 'OUTPUT0', datatype: 'FP32', shape: [1, out.length / 4] }],
    raw_output_contents: [out],
  };
}

describe('TritonClient', () => {
  const fakes: FakeTritonServer[] = [];
  const clients: TritonClient[] = [];
  const fake = async (): Promise<FakeTritonServer> => {
    const f = await FakeTritonServer.start({ ModelInfer: sumHandler });
    fakes.push(f);
    return f;
  };
  const client = (endpoints: string[]): TritonClient => {
    const c = new TritonClient({ endpoints, defaultTimeoutMs: 2000, connectTimeoutMs: 1000 });
    clients.push(c);
    return c;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    for (const f of fakes.splice(0)) f.stop();
  });

  it('infer sends raw_input_contents and returns outputs from raw_output_contents', async () => {
    const f = await fake();
    let seen: unknown;
    f.on('ModelInfer', (req) => {
      seen = req;
      return sumHandler(req);
    });
    const c = client([f.address]);
    const res = await c.infer(
      {
        model: 'simple',
        id: 'r1',
        inputs: [fp32('INPUT0', [1, 2]), fp32('INPUT1', [10, 20])],
        outputs: ['OUTPUT0'],
      },
      { deadline: Date.now() + 2000 },
    );
    expect(seen).toMatchObject({
      model_name: 'simple',
      model_version: '',
      id: 'r1',
      inputs: [
        { name: 'INPUT0', datatype: 'FP32', shape: [1, 2] },
        { name: 'INPUT1', datatype: 'FP32', shape: [1, 2] },
      ],
      outputs: [{ name: 'OUTPUT0' }],
    });
    expect(res).toMatchObject({ model: 'simple', version: '3', id: 'r1' });
    const out = res.outputs.get('OUTPUT0')!;
    expect(out.shape).toEqual([1, 2]);
    expect(Array.from(readFloat32(out))).toEqual([11, 22]);
  });

  it('rejects an output datatype the gateway does not know', async () => {
    const f = await fake();
    f.on('ModelInfer', () => ({
      model_name: 'm',
      outputs: [{ name: 'X', datatype: 'UINT16', shape: [1] }],
      raw_output_contents: [Buffer.alloc(2)],
    }));
    const c = client([f.address]);
    await expect(c.infer({ model: 'm', inputs: [] }, { deadline: Date.now() + 2000 })).rejects.toBeInstanceOf(
      InternalError,
    );
  });

  it('spreads calls round-robin over the endpoints', async () => {
    const [a, b] = [await fake(), await fake()];
    const c = client([a.address, b.address]);
    for (let i = 0; i < 6; i++) {
      await c.infer(
        { model: 'm', inputs: [fp32('A', [1]), fp32('B', [2])] },
        { deadline: Date.now() + 2000 },
      );
    }
    expect(a.count('ModelInfer')).toBe(3);
    expect(b.count('ModelInfer')).toBe(3);
  });

  it('reads metadata, config, readiness, statistics and the repository index', async () => {
    const f = await fake();
    f.on('ModelMetadata', () => ({ name: 'simple', versions: ['1'], platform: 'onnxruntime_onnx' }))
      .on('ModelConfig', () => ({ config: { name: 'simple', max_batch_size: 8 } }))
      .on('ModelStatistics', () => ({ model_stats: [{ name: 'simple', version: '1', inference_count: 4 }] }))
      .on('RepositoryIndex', () => ({ models: [{ name: 'simple', version: '1', state: 'READY' }] }));
    const c = client([f.address]);
    await c.connect();
    expect(await c.serverReady()).toBe(true);
    expect(await c.modelReady('simple')).toBe(true);
    expect(await c.modelMetadata('simple')).toMatchObject({ name: 'simple', versions: ['1'] });
    expect(await c.modelConfig('simple')).toMatchObject({ name: 'simple', max_batch_size: 8 });
    expect(await c.modelStatistics('simple')).toMatchObject([{ name: 'simple', inference_count: 4 }]);
    expect(await c.repositoryIndex({ ready: true })).toMatchObject([{ name: 'simple', state: 'READY' }]);
    expect(c.endpoints()).toEqual([{ address: f.address, state: 'closed', ready: true }]);
  });

  it('connect() succeeds with one ready endpoint and opens the breaker of a dead one', async () => {
    const f = await fake();
    const dead = `127.0.0.1:${await deadPort()}`;
    const c = client([dead, f.address]);
    await c.connect();
    expect(c.endpoints()).toEqual([
      { address: dead, state: 'open', ready: false },
      { address: f.address, state: 'closed', ready: true },
    ]);
    expect(c.available()).toBe(true);
  });

  it('connect() fails when no endpoint is ready', async () => {
    const c = client([`127.0.0.1:${await deadPort()}`]);
    await expect(c.connect()).rejects.toBeInstanceOf(UnavailableError);
    expect(c.available()).toBe(false);
  });

  it('loadModel sends the config override to every replica and reports unreachable ones', async () => {
    const [a, b] = [await fake(), await fake()];
    const seen: unknown[] = [];
    for (const f of [a, b]) f.on('RepositoryModelLoad', (req) => (seen.push(req), {}));
    const dead = `127.0.0.1:${await deadPort()}`;
    const c = client([a.address, b.address, dead]);
    const result = await c.loadModel('simple', '{"max_batch_size": 4}');
    expect(result).toEqual({ succeeded: [a.address, b.address], unreachable: [dead] });
    expect(seen).toEqual([
      expect.objectContaining({
        model_name: 'simple',
        parameters: { config: expect.objectContaining({ string_param: '{"max_batch_size": 4}' }) },
      }),
      expect.objectContaining({ model_name: 'simple' }),
    ]);
  });

  it('loadModel throws the load failure itself', async () => {
    const f = await fake();
    f.on('RepositoryModelLoad', () => {
      throw grpcError(
        status.INVALID_ARGUMENT,
        "load failed for model 'bad': version 1 is at UNAVAILABLE state",
      );
    });
    const c = client([f.address]);
    await expect(c.loadModel('bad')).rejects.toBeInstanceOf(InputError);
    f.on('RepositoryModelUnload', () => ({}));
    expect(await c.unloadModel('bad')).toEqual({ succeeded: [f.address], unreachable: [] });
  });

  it('parseEndpointList splits TRITON_URL-style lists', () => {
    expect(parseEndpointList(' a:8001, grpc://b.example:8001 ,[::1]:9000')).toEqual([
      'a:8001',
      'b.example:8001',
      '[::1]:9000',
    ]);
    expect(() => parseEndpointList('a')).toThrow(/host:port/);
    expect(() => parseEndpointList(' , ')).toThrow(/no Triton endpoint/);
  });
});
