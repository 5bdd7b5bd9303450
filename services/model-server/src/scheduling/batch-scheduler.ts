import { CancelledError, UnavailableError } from '../errors';
import { messages, requestPrefix } from '../messages';
import { concatBatch, sliceBatch, type HostTensor } from '../tensor/host-tensor';
import type { ExecutionResult, ExecutionTimings } from '../onnx/onnx-instances';
import type { ModelStats } from '../stats/model-stats';
import { pickBatch, type QueuedItem } from './batch-picker';

export interface SchedulerPolicy {
  /** 0: the model has no batch dimension and every request runs alone. */
  maxBatchSize: number;
  /** `dynamic_batching` is configured: requests are combined into batches. */
  dynamic: boolean;
  preferredBatchSizes: number[];
  maxQueueDelayNs: bigint;
  /** 0: unbounded. */
  maxQueueSize: number;
  /** 0: requests never time out in the queue. */
  queueTimeoutNs: bigint;
}

export interface Executor {
  readonly count: number;
  execute(instance: number, inputs: Map<string, HostTensor>, outputs: string[]): Promise<ExecutionResult>;
}

export interface ScheduleRequest {
  inputs: Map<string, HostTensor>;
  batchSize: number;
  outputs: string[];
  requestId: string;
  /** Aborting it removes the request if it is still queued (rejected with CancelledError). */
  signal?: AbortSignal;
}

export interface ScheduledResult {
  outputs: Map<string, HostTensor>;
  queueNs: bigint;
  timings: ExecutionTimings;
}

interface Pending extends QueuedItem {
  request: ScheduleRequest;
  resolve: (r: ScheduledResult) => void;
  reject: (err: unknown) => void;
  /** Detaches the abort listener once the request has left the queue. */
  detach: () => void;
}

/**
 * Triton's scheduler for one model version: a queue in front of `count` instances, each running one batch at a
 * time. With dynamic batching, compatible queued requests are combined up to `max_batch_size`, a preferred batch
 * size is dispatched at once, and otherwise the oldest request waits at most `max_queue_delay_microseconds`.
 */
export class BatchScheduler {
  private readonly queue: Pending[] = [];
  private readonly idle: number[];
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly executor: Executor,
    private readonly policy: SchedulerPolicy,
    private readonly stats: ModelStats,
  ) {
    this.idle = Array.from({ length: executor.count }, (_, i) => i);
  }

  /** Requests waiting for an instance. */
  get depth(): number {
    return this.queue.length;
  }

  enqueue(request: ScheduleRequest): Promise<ScheduledResult> {
    if (this.policy.maxQueueSize > 0 && this.queue.length >= this.policy.maxQueueSize) {
      return Promise.reject(new UnavailableError(requestPrefix(request.requestId) + messages.queueFull()));
    }
    const { signal } = request;
    if (signal?.aborted) return Promise.reject(this.cancelled(request));
    return new Promise<ScheduledResult>((resolve, reject) => {
      const pending: Pending = {
        request,
        resolve,
        reject,
        batchSize: request.batchSize,
        key: shapeKey(request.inputs),
        enqueuedNs: process.hrtime.bigint(),
        detach: () => undefined,
      };
      if (signal) {
        const onAbort = () => this.cancel(pending);
        signal.addEventListener('abort', onAbort, { once: true });
        pending.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.queue.push(pending);
      this.pump();
    });
  }

  /** A cancelled request still in the queue leaves it; one already in a running batch is left to finish. */
  private cancel(p: Pending): void {
    const i = this.queue.indexOf(p);
    if (i < 0) return;
    this.queue.splice(i, 1);
    p.reject(this.cancelled(p.request));
    this.notifyIdle();
  }

  private cancelled(request: ScheduleRequest): CancelledError {
    return new CancelledError(requestPrefix(request.requestId) + messages.cancelled());
  }

  /** Resolves once nothing is queued or running (used by unload and shutdown). */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.rejectTimedOut();
    while (this.idle.length > 0 && this.queue.length > 0) {
      const now = process.hrtime.bigint();
      const pick = this.policy.dynamic
        ? pickBatch(this.queue, this.policy, now)
        : { indices: [0], waitNs: 0n };
      if (pick.indices.length === 0) {
        this.timer = setTimeout(() => this.pump(), Math.max(0, Math.ceil(Number(pick.waitNs) / 1e6)));
        this.timer.unref();
        break;
      }
      const batch = takeIndices(this.queue, pick.indices);
      for (const p of batch) p.detach();
      const instance = this.idle.pop() as number;
      this.running += 1;
      void this.run(instance, batch, now);
    }
    this.notifyIdle();
  }

  private async run(instance: number, batch: Pending[], startNs: bigint): Promise<void> {
    try {
      const outputs = [...new Set(batch.flatMap((p) => p.request.outputs))];
      const inputs = new Map<string, HostTensor>();
      for (const name of batch[0]?.request.inputs.keys() ?? []) {
        inputs.set(name, concatBatch(batch.map((p) => p.request.inputs.get(name) as HostTensor)));
      }
      const result = await this.executor.execute(instance, inputs, outputs);
      const size = batch.reduce((s, p) => s + p.batchSize, 0);
      const t = result.timings;
      this.stats.recordExecution({
        batchSize: size,
        computeInputNs: t.computeInputNs,
        computeInferNs: t.computeInferNs,
        computeOutputNs: t.computeOutputNs,
      });
      let offset = 0;
      for (const p of batch) {
        const mine = new Map<string, HostTensor>();
        for (const name of p.request.outputs) {
          const full = result.outputs.get(name) as HostTensor;
          mine.set(
            name,
            this.policy.maxBatchSize > 0 && batch.length > 1 ? sliceBatch(full, offset, p.batchSize) : full,
          );
        }
        offset += p.batchSize;
        this.stats.recordRequestCompute(t.computeInputNs, t.computeInferNs, t.computeOutputNs);
        p.resolve({ outputs: mine, queueNs: startNs - p.enqueuedNs, timings: t });
      }
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.running -= 1;
      this.idle.push(instance);
      this.pump();
    }
  }

  private rejectTimedOut(): void {
    if (this.policy.queueTimeoutNs <= 0n) return;
    const now = process.hrtime.bigint();
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const p = this.queue[i] as Pending;
      if (now - p.enqueuedNs > this.policy.queueTimeoutNs) {
        this.queue.splice(i, 1);
        p.detach();
        p.reject(new UnavailableError(requestPrefix(p.request.requestId) + messages.queueTimeout()));
      }
    }
  }

  private notifyIdle(): void {
    if (this.queue.length > 0 || this.running > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

/** Requests can share a batch only when every input has the same per-item shape. */
function shapeKey(inputs: Map<string, HostTensor>): string {
  const parts: string[] = [];
  for (const [name, t] of inputs) parts.push(`${name}:${t.shape.slice(1).join('x')}`);
  return parts.sort().join('|');
}

function takeIndices<T>(queue: T[], indices: number[]): T[] {
  const taken = indices.map((i) => queue[i] as T);
  const drop = new Set(indices);
  let w = 0;
  for (let r = 0; r < queue.length; r++) {
    if (!drop.has(r)) queue[w++] = queue[r] as T;
  }
  queue.length = w;
  return taken;
}
