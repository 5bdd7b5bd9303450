// Conformance: ensemble models (simple → double; a step pinned to simple_versions version 2).
// Every assertion holds for NVIDIA Triton and must hold for model-server (see README.md).
import { fp32Request, simpleInputs, simpleRequest } from './fixture-requests';
import { useConformanceServer } from './server';
import { add, expectClose, fp32Output, outputByName, randomFloats, scale, sub } from './tensors';
import type { ModelStatistics } from './triton-messages';

// Loading an ensemble loads its composing models; simple_versions is loaded plainly so that a config
// override left by another test file is undone.
const server = useConformanceServer({ models: ['simple_ensemble'] });

beforeAll(async () => {
  await server().client.load('simple_versions');
  await server().client.load('pinned_ensemble');
}, 180_000);

async function stats(model: string): Promise<ModelStatistics> {
  const list = await server().client.modelStatistics(model);
  const first = list[0];
  if (first === undefined) throw new Error(`no statistics for ${model}`);
  return first;
}

describe('simple_ensemble', () => {
  test('composing models are loaded with the ensemble', async () => {
    const { client } = server();
    expect(await client.modelReady('simple_ensemble')).toBe(true);
    expect(await client.modelReady('simple')).toBe(true);
    expect(await client.modelReady('double')).toBe(true);
  });

  test('metadata reports the ensemble platform and its own tensors', async () => {
    const meta = await server().client.modelMetadata('simple_ensemble');
    expect(meta.platform).toBe('ensemble');
    expect(meta.outputs.map((o) => [o.name, o.datatype, o.shape]).sort()).toEqual([
      ['DIFF', 'FP32', [-1, 16]],
      ['SUM_DOUBLED', 'FP32', [-1, 16]],
    ]);
  });

  test.each([1, 4])('batch %d: SUM_DOUBLED = 2 (a + b), DIFF = a - b', async (batch) => {
    const { a, b } = simpleInputs(batch);
    const res = await server().client.infer(
      simpleRequest('simple_ensemble', batch, a, b, 'raw', { id: 'ens' }),
    );
    expect(res.model_name).toBe('simple_ensemble');
    expect(res.model_version).toBe('1');
    expect(res.id).toBe('ens');
    expect(res.outputs.map((o) => o.name).sort()).toEqual(['DIFF', 'SUM_DOUBLED']);
    expect(outputByName(res, 'SUM_DOUBLED').tensor.shape).toEqual([batch, 16]);
    expectClose(fp32Output(res, 'SUM_DOUBLED'), scale(add(a, b), 2));
    expectClose(fp32Output(res, 'DIFF'), sub(a, b));
  });

  test('only the requested output is returned', async () => {
    const { a, b } = simpleInputs(1);
    const res = await server().client.infer(
      simpleRequest('simple_ensemble', 1, a, b, 'contents', { outputs: [{ name: 'DIFF' }] }),
    );
    expect(res.outputs.map((o) => o.name)).toEqual(['DIFF']);
    expectClose(fp32Output(res, 'DIFF'), sub(a, b));
  });

  test('statistics count the ensemble and its composing models', async () => {
    const before = { ens: await stats('simple_ensemble'), dbl: await stats('double') };
    const n = 4;
    for (let i = 0; i < n; i++) {
      const { a, b } = simpleInputs(1);
      await server().client.infer(simpleRequest('simple_ensemble', 1, a, b));
    }
    const after = { ens: await stats('simple_ensemble'), dbl: await stats('double') };
    expect(after.ens.name).toBe('simple_ensemble');
    expect(after.ens.version).toBe('1');
    expect(after.ens.inference_count - before.ens.inference_count).toBeGreaterThanOrEqual(n);
    expect(
      after.ens.inference_stats.success.count - before.ens.inference_stats.success.count,
    ).toBeGreaterThanOrEqual(n);
    expect(after.ens.inference_stats.success.ns).toBeGreaterThan(before.ens.inference_stats.success.ns);
    expect(after.ens.last_inference).toBeGreaterThan(0);
    expect(after.dbl.inference_count - before.dbl.inference_count).toBeGreaterThanOrEqual(n);
  });
});

describe('pinned_ensemble', () => {
  test('runs simple_versions version 2 although 3 is the latest: OUTPUT0 = 2 x', async () => {
    const x = randomFloats(8);
    const res = await server().client.infer(fp32Request('pinned_ensemble', [['INPUT0', [2, 4], x]]));
    expect(res.model_name).toBe('pinned_ensemble');
    expect(outputByName(res, 'OUTPUT0').tensor.shape).toEqual([2, 4]);
    expectClose(fp32Output(res, 'OUTPUT0'), scale(x, 2));
  });

  test('the pinned step is counted on version 2 of simple_versions', async () => {
    const v2Before = (await server().client.modelStatistics('simple_versions', '2'))[0]!;
    await server().client.infer(fp32Request('pinned_ensemble', [['INPUT0', [1, 4], randomFloats(4)]]));
    const v2After = (await server().client.modelStatistics('simple_versions', '2'))[0]!;
    expect(v2After.version).toBe('2');
    expect(v2After.inference_count - v2Before.inference_count).toBeGreaterThanOrEqual(1);
  });
});
