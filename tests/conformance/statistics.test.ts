// Conformance: ModelStatistics after inferences on `simple`.
// Every assertion holds for NVIDIA Triton and must hold for model-server (see README.md). When this file
// owns its server the counts are exact; against a shared external server other files may add requests
// concurrently, so only lower bounds are checked there.
import { simpleInputs, simpleRequest } from './fixture-requests';
import { useConformanceServer } from './server';
import { tritonErrors } from './triton-errors';
import { expectGrpcError } from './expect-grpc-error';
import type { ModelStatistics } from './triton-messages';

const server = useConformanceServer({ models: ['simple'] });

async function simpleStats(): Promise<ModelStatistics> {
  const list = await server().client.modelStatistics('simple', '1');
  expect(list).toHaveLength(1);
  return list[0]!;
}

describe('ModelStatistics', () => {
  test('counts requests, inferences, executions and durations', async () => {
    const before = await simpleStats();
    const batches = [1, 1, 1, 3, 2];
    for (const batch of batches) {
      const { a, b } = simpleInputs(batch);
      await server().client.infer(simpleRequest('simple', batch, a, b));
    }
    const after = await simpleStats();
    const items = batches.reduce((s, x) => s + x, 0);
    const d = (f: (s: ModelStatistics) => number): number => f(after) - f(before);

    expect(after.name).toBe('simple');
    expect(after.version).toBe('1');
    if (server().server.owned) {
      expect(d((s) => s.inference_count)).toBe(items);
      expect(d((s) => s.inference_stats.success.count)).toBe(batches.length);
      // Sequential requests are never batched together.
      expect(d((s) => s.execution_count)).toBe(batches.length);
      expect(d((s) => s.inference_stats.fail.count)).toBe(0);
    } else {
      expect(d((s) => s.inference_count)).toBeGreaterThanOrEqual(items);
      expect(d((s) => s.inference_stats.success.count)).toBeGreaterThanOrEqual(batches.length);
      expect(d((s) => s.execution_count)).toBeGreaterThanOrEqual(1);
    }
    expect(after.execution_count).toBeLessThanOrEqual(after.inference_count);
    expect(d((s) => s.inference_stats.success.ns)).toBeGreaterThan(0);
    expect(d((s) => s.inference_stats.compute_infer.count)).toBeGreaterThanOrEqual(1);
    expect(d((s) => s.inference_stats.compute_infer.ns)).toBeGreaterThan(0);
    expect(d((s) => s.inference_stats.compute_input.ns)).toBeGreaterThanOrEqual(0);
    expect(d((s) => s.inference_stats.queue.count)).toBeGreaterThanOrEqual(1);
    // last_inference is milliseconds since the epoch.
    expect(after.last_inference).toBeGreaterThan(Date.now() - 10 * 60_000);
    expect(after.last_inference).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  test('batch_stats has an entry per executed batch size', async () => {
    const { a, b } = simpleInputs(3);
    await server().client.infer(simpleRequest('simple', 3, a, b));
    const after = await simpleStats();
    const three = after.batch_stats.find((s) => s.batch_size === 3);
    expect(three).toBeDefined();
    expect(three!.compute_infer.count).toBeGreaterThanOrEqual(1);
    expect(three!.compute_infer.ns).toBeGreaterThan(0);
    for (const entry of after.batch_stats) expect(entry.batch_size).toBeGreaterThan(0);
  });

  test('a failed request is counted as a failure, not a success', async () => {
    const before = await simpleStats();
    const { a } = simpleInputs(1);
    await expect(
      server().client.infer({
        model_name: 'simple',
        inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [1, 16] }],
        raw_input_contents: [Buffer.from(new Float32Array(a).buffer)],
      }),
    ).rejects.toBeDefined();
    const after = await simpleStats();
    if (server().server.owned) {
      expect(after.inference_stats.success.count).toBe(before.inference_stats.success.count);
      expect(after.inference_count).toBe(before.inference_count);
    }
    expect(after.inference_stats.fail.count).toBeGreaterThanOrEqual(before.inference_stats.fail.count);
  });

  test('statistics of an unknown model fail like Triton (not the model-lookup error)', async () => {
    await expectGrpcError(
      server().client.modelStatistics('no_such_model'),
      tritonErrors.statisticsModelNotAvailable('no_such_model'),
    );
  });

  test('statistics of a version that is not served fail like Triton', async () => {
    await expectGrpcError(
      server().client.modelStatistics('simple', '2'),
      tritonErrors.statisticsVersionNotAvailable('simple'),
    );
  });

  test('statistics without a name list every loaded model', async () => {
    const all = await server().client.modelStatistics('');
    expect(all.some((s) => s.name === 'simple' && s.version === '1')).toBe(true);
  });
});
