import type { WireTensor } from '../domain/tensor';
import { ModelRunner, type InferClient, type RunSpec } from './model-runner';

/** Echoes each item's first byte × 2 as an FP32 output row; records the batch shapes it saw. */
class FakeClient implements InferClient {
  readonly shapes: number[][] = [];
  async infer(req: { model: string; inputs: WireTensor[] }) {
    const input = req.inputs[0]!;
    this.shapes.push(input.shape);
    await new Promise((r) => setTimeout(r, 5));
    const n = input.shape[0]!;
    const per = input.data.length / n;
    const out = Buffer.alloc(n * 4);
    for (let i = 0; i < n; i++) out.writeFloatLE(input.data[i * per]! * 2, i * 4);
    return {
      model: req.model,
      version: '3',
      outputs: new Map([['OUT', { name: 'OUT', datatype: 'FP32' as const, shape: [n, 1], data: out }]]),
    };
  }
}

const spec: RunSpec = {
  model: 'm',
  version: undefined,
  inputName: 'IN',
  datatype: 'UINT8',
  dims: [2],
  outputs: ['OUT'],
  maxBatchSize: 8,
};

describe('ModelRunner', () => {
  it('batches concurrent items into one call and gives each its own output row and the version that ran', async () => {
    const client = new FakeClient();
    const runner = new ModelRunner(client, { maxQueueDepth: 100, maxWaitMs: 5, maxInFlight: 1 });
    const deadline = Date.now() + 5000;
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((v) => runner.run(spec, Buffer.from([v, 0]), deadline)),
    );
    expect(results.map((r) => r.outputs.get('OUT')!.data.readFloatLE(0))).toEqual([2, 4, 6, 8, 10]);
    expect(results.every((r) => r.version === '3')).toBe(true);
    expect(results.every((r) => r.outputs.get('OUT')!.shape[0] === 1)).toBe(true);
    expect(client.shapes.reduce((n, s) => n + s[0]!, 0)).toBe(5);
    expect(client.shapes.length).toBeLessThan(5);
    await runner.drain();
  });
});
