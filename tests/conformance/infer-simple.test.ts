// Conformance: ModelInfer on `simple` and `simple_versions` (tests/fixtures/README.md formulas, random data).
// Every assertion holds for NVIDIA Triton and must hold for model-server (see README.md).
import { fp32Request, simpleInputs, simpleRequest } from './fixture-requests';
import { useConformanceServer } from './server';
import { add, expectClose, fp32Output, outputByName, randomFloats, scale, sub } from './tensors';
import { unservedVersionError } from './triton-errors';
import { expectGrpcError } from './expect-grpc-error';

const server = useConformanceServer({ models: ['simple'] });

describe('ModelInfer on simple', () => {
  test.each([
    ['raw_input_contents', 'raw', 1],
    ['raw_input_contents', 'raw', 8],
    ['contents.fp32_contents', 'contents', 1],
    ['contents.fp32_contents', 'contents', 8],
  ] as const)('%s, batch %d: OUTPUT0 = a + b, OUTPUT1 = a - b', async (_label, mode, batch) => {
    const { a, b } = simpleInputs(batch);
    const res = await server().client.infer(simpleRequest('simple', batch, a, b, mode));
    expect(res.model_name).toBe('simple');
    expect(res.model_version).toBe('1');
    expect(res.outputs.map((o) => o.name).sort()).toEqual(['OUTPUT0', 'OUTPUT1']);
    // Triton answers every output in raw_output_contents, one entry per output, in the same order.
    expect(res.raw_output_contents).toHaveLength(res.outputs.length);
    for (const name of ['OUTPUT0', 'OUTPUT1']) {
      const { tensor, raw } = outputByName(res, name);
      expect(tensor.datatype).toBe('FP32');
      expect(tensor.shape).toEqual([batch, 16]);
      expect(raw.length).toBe(batch * 16 * 4);
    }
    expectClose(fp32Output(res, 'OUTPUT0'), add(a, b));
    expectClose(fp32Output(res, 'OUTPUT1'), sub(a, b));
  });

  test('requesting only OUTPUT1 returns only OUTPUT1', async () => {
    const { a, b } = simpleInputs(2);
    const res = await server().client.infer(
      simpleRequest('simple', 2, a, b, 'raw', { outputs: [{ name: 'OUTPUT1' }] }),
    );
    expect(res.outputs.map((o) => o.name)).toEqual(['OUTPUT1']);
    expect(res.raw_output_contents).toHaveLength(1);
    expectClose(fp32Output(res, 'OUTPUT1'), sub(a, b));
  });

  test('the request id is echoed in the response', async () => {
    const { a, b } = simpleInputs(1);
    const id = `req-${Math.random().toString(36).slice(2)}`;
    const res = await server().client.infer(simpleRequest('simple', 1, a, b, 'raw', { id }));
    expect(res.id).toBe(id);
  });

  test('without an id the response id is empty', async () => {
    const { a, b } = simpleInputs(1);
    const res = await server().client.infer(simpleRequest('simple', 1, a, b));
    expect(res.id).toBe('');
  });

  test('explicit model_version "1" runs version 1', async () => {
    const { a, b } = simpleInputs(1);
    const res = await server().client.infer(simpleRequest('simple', 1, a, b, 'raw', { model_version: '1' }));
    expect(res.model_version).toBe('1');
    expectClose(fp32Output(res, 'OUTPUT0'), add(a, b));
  });

  test('concurrent requests each get their own answer (dynamic batching keeps them apart)', async () => {
    const cases = Array.from({ length: 12 }, (_, i) => ({
      batch: (i % 3) + 1,
      ...simpleInputs((i % 3) + 1),
    }));
    const results = await Promise.all(
      cases.map((c) => server().client.infer(simpleRequest('simple', c.batch, c.a, c.b))),
    );
    results.forEach((res, i) => {
      const c = cases[i]!;
      expect(outputByName(res, 'OUTPUT0').tensor.shape).toEqual([c.batch, 16]);
      expectClose(fp32Output(res, 'OUTPUT0'), add(c.a, c.b));
      expectClose(fp32Output(res, 'OUTPUT1'), sub(c.a, c.b));
    });
  });
});

describe('ModelInfer on simple_versions (versions 2 and 3 served)', () => {
  beforeAll(async () => {
    // A plain load also undoes any config override another test file may have applied.
    await server().client.load('simple_versions');
  }, 120_000);

  const request = (x: number[], version?: string) =>
    fp32Request(
      'simple_versions',
      [['INPUT0', [1, 4], x]],
      'raw',
      version === undefined ? {} : { model_version: version },
    );

  test('model_version "2" multiplies by 2', async () => {
    const x = randomFloats(4);
    const res = await server().client.infer(request(x, '2'));
    expect(res.model_version).toBe('2');
    expectClose(fp32Output(res, 'OUTPUT0'), scale(x, 2));
  });

  test('empty model_version runs the latest version, 3', async () => {
    const x = randomFloats(4);
    const res = await server().client.infer(request(x));
    expect(res.model_version).toBe('3');
    expectClose(fp32Output(res, 'OUTPUT0'), scale(x, 3));
  });

  test('model_version "1" is not served', async () => {
    const { client } = server();
    const expected = await unservedVersionError(client, 'simple_versions', 1);
    await expectGrpcError(client.infer(request(randomFloats(4), '1')), expected);
  });
});
