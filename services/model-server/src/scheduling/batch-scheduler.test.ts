import { fromWire } from '../tensor/datatypes';
import type { HostTensor } from '../tensor/host-tensor';
import type { ExecutionResult } from '../onnx/onnx-instances';
import { ModelStats } from '../stats/model-stats';
import { BatchScheduler, type Executor, type SchedulerPolicy } from './batch-scheduler';

const FP32 = fromWire('FP32')!;

function tensor(values: number[][]): HostTensor {
  const flat = values.flat();
  const data = Buffer.alloc(flat.length * 4);
  flat.forEach((v, i) => data.writeFloatLE(v, i * 4));
  return { name: 'IN', type: FP32, shape: [values.length, values[0]!.length], data };
}

function rows(t: HostTensor): number[][] {
  const buf = t.data as Buffer;
  const width = t.shape[1]!;
  return Array.from({ length: t.shape[0]! }, (_, r) =>
    Array.from({ length: width }, (_, c) => buf.readFloatLE((r * width + c) * 4)),
  );
}

/** Doubles its input; records every batch it ran; finishes when the test releases it. */
class FakeExecutor implements Executor {
  readonly batches: number[] = [];
  private gates: Array<() => void> = [];
  constructor(readonly count: number) {}

  async execute(_instance: number, inputs: Map<string, HostTensor>): Promise<ExecutionResult> {
    const input = inputs.get('IN')!;
    this.batches.push(input.shape[0]!);
    await new Promise<void>((resolve) => this.gates.push(resolve));
    const out = Buffer.alloc((input.data as Buffer).length);
    for (let i = 0; i < out.length; i += 4) out.writeFloatLE((input.data as Buffer).readFloatLE(i) * 2, i);
    return {
      outputs: new Map([['OUT', { ...input, name: 'OUT', data: out }]]),
      timings: { computeInputNs: 1n, computeInferNs: 2n, computeOutputNs: 3n },
    };
  }

  releaseAll(): void {
    const gates = this.gates;
    this.gates = [];
    gates.forEach((g) => g());
  }
}

const policy: SchedulerPolicy = {
  maxBatchSize: 8,
  dynamic: true,
  preferredBatchSizes: [],
  maxQueueDelayNs: 0n,
  maxQueueSize: 0,
  queueTimeoutNs: 0n,
};

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('BatchScheduler', () => {
  it('batches requests that queue while the instance is busy and splits results back per request', async () => {
    const exec = new FakeExecutor(1);
    const stats = new ModelStats('m', '1');
    const scheduler = new BatchScheduler(exec, policy, stats);
    const first = scheduler.enqueue({
      inputs: new Map([['IN', tensor([[1]])]]),
      batchSize: 1,
      outputs: ['OUT'],
      requestId: '',
    });
    await flush();
    const second = scheduler.enqueue({
      inputs: new Map([['IN', tensor([[2], [3]])]]),
      batchSize: 2,
      outputs: ['OUT'],
      requestId: '',
    });
    const third = scheduler.enqueue({
      inputs: new Map([['IN', tensor([[4]])]]),
      batchSize: 1,
      outputs: ['OUT'],
      requestId: '',
    });
    exec.releaseAll();
    await first;
    await flush();
    exec.releaseAll();
    const [r2, r3] = await Promise.all([second, third]);
    expect(exec.batches).toEqual([1, 3]);
    expect(rows(r2.outputs.get('OUT')!)).toEqual([[4], [6]]);
    expect(rows(r3.outputs.get('OUT')!)).toEqual([[8]]);
    expect(stats.executionCount).toBe(2);
    expect([...stats.batches.keys()].sort()).toEqual([1, 3]);
  });

  it('drops a queued request whose call is cancelled; a request already running finishes', async () => {
    const exec = new FakeExecutor(1);
    const scheduler = new BatchScheduler(exec, policy, new ModelStats('m', '1'));
    const req = (value: number, signal?: AbortSignal) =>
      scheduler.enqueue({
        inputs: new Map([['IN', tensor([[value]])]]),
        batchSize: 1,
        outputs: ['OUT'],
        requestId: `r${value}`,
        signal,
      });
    const runningCall = new AbortController();
    const running = req(1, runningCall.signal);
    await flush();
    const cancelledCall = new AbortController();
    const dropped = req(2, cancelledCall.signal);
    const kept = req(3);
    cancelledCall.abort();
    runningCall.abort(); // too late: its batch is executing
    await expect(dropped).rejects.toMatchObject({
      kind: 'cancelled',
      message: '[request id: r2] Request was cancelled',
    });
    exec.releaseAll();
    expect(rows((await running).outputs.get('OUT')!)).toEqual([[2]]);
    await flush();
    exec.releaseAll();
    expect(rows((await kept).outputs.get('OUT')!)).toEqual([[6]]);
    // The cancelled request never reached the executor: batches of 1 (r1) then 1 (r3), not 2.
    expect(exec.batches).toEqual([1, 1]);
    await expect(req(4, AbortSignal.abort())).rejects.toMatchObject({ kind: 'cancelled' });
    expect(exec.batches).toEqual([1, 1]);
    await scheduler.drain();
  });

  it('rejects with "Exceeds maximum queue size" when the queue is full', async () => {
    const exec = new FakeExecutor(1);
    const scheduler = new BatchScheduler(exec, { ...policy, maxQueueSize: 1 }, new ModelStats('m', '1'));
    const req = () =>
      scheduler.enqueue({
        inputs: new Map([['IN', tensor([[1]])]]),
        batchSize: 1,
        outputs: ['OUT'],
        requestId: '',
      });
    const running = req();
    await flush();
    const queued = req();
    await expect(req()).rejects.toThrow('Exceeds maximum queue size');
    exec.releaseAll();
    await running;
    await flush();
    exec.releaseAll();
    await expect(queued).resolves.toBeDefined();
  });

  it('runs requests on separate instances concurrently and drains before resolving drain()', async () => {
    const exec = new FakeExecutor(2);
    const scheduler = new BatchScheduler(exec, { ...policy, dynamic: false }, new ModelStats('m', '1'));
    const a = scheduler.enqueue({
      inputs: new Map([['IN', tensor([[1]])]]),
      batchSize: 1,
      outputs: ['OUT'],
      requestId: '',
    });
    const b = scheduler.enqueue({
      inputs: new Map([['IN', tensor([[2]])]]),
      batchSize: 1,
      outputs: ['OUT'],
      requestId: '',
    });
    await flush();
    expect(exec.batches).toEqual([1, 1]);
    let drained = false;
    const drain = scheduler.drain().then(() => (drained = true));
    await flush();
    expect(drained).toBe(false);
    exec.releaseAll();
    await Promise.all([a, b, drain]);
    expect(drained).toBe(true);
  });

  it('passes executor failures to every request of the batch', async () => {
    const failing: Executor = { count: 1, execute: () => Promise.reject(new Error('boom')) };
    const scheduler = new BatchScheduler(failing, policy, new ModelStats('m', '1'));
    await expect(
      scheduler.enqueue({
        inputs: new Map([['IN', tensor([[1]])]]),
        batchSize: 1,
        outputs: ['OUT'],
        requestId: '',
      }),
    ).rejects.toThrow('boom');
  });
});
