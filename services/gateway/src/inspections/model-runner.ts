import type { WireDataType, WireTensor } from '../domain/tensor';
import { BatcherRegistry } from '../batching/batcher-registry';
import { DynamicBatcher } from '../batching/dynamic-batcher';
import { InternalError } from '../domain/errors';

/** What the runner needs to know about a model's single input and the outputs to fetch. */
export interface RunSpec {
  model: string;
  /** Pinned version, or undefined for the highest ready one. */
  version: string | undefined;
  inputName: string;
  datatype: WireDataType;
  /** Per-item dims (without the batch dimension). */
  dims: number[];
  outputs: string[];
  maxBatchSize: number;
}

export interface ItemResult {
  /** Per-item outputs, each with a leading batch dimension of 1. */
  outputs: Map<string, WireTensor>;
  /** The version that actually ran. */
  version: string;
  queueMs: number;
  inferMs: number;
  batchSize: number;
}

export interface InferClient {
  infer(
    req: { model: string; version?: string; id?: string; inputs: WireTensor[]; outputs?: string[] },
    opts: { deadline: number },
  ): Promise<{ model: string; version: string; outputs: Map<string, WireTensor> }>;
}

interface BatchItemResult {
  outputs: Map<string, WireTensor>;
  version: string;
  inferMs: number;
}

export interface BatchingOptions {
  maxQueueDepth: number;
  maxWaitMs: number;
  maxInFlight: number;
  /** Observes each dispatched batch size (for metrics). */
  onBatch?: (model: string, size: number) => void;
}

/**
 * Sends single items through a per-(model, version) dynamic batcher: a batch becomes one ModelInfer call with
 * the items stacked along a new batch dimension, and the outputs are split back per item.
 */
export class ModelRunner {
  private readonly specs = new Map<string, RunSpec>();
  private readonly registry: BatcherRegistry<Buffer, BatchItemResult>;

  constructor(
    private readonly client: InferClient,
    private readonly options: BatchingOptions,
  ) {
    this.registry = new BatcherRegistry((key) => {
      const spec = this.specs.get(specKey(key.model, key.version)) as RunSpec;
      return new DynamicBatcher<Buffer, BatchItemResult>({
        name: `${key.model}:${key.version}`,
        maxBatchSize: Math.max(1, spec.maxBatchSize),
        maxQueueDepth: options.maxQueueDepth,
        maxInFlight: options.maxInFlight,
        maxWaitMs: options.maxWaitMs,
        run: (items, deadline) => this.runBatch(spec, items, deadline),
      });
    });
  }

  async run(spec: RunSpec, item: Buffer, deadline: number): Promise<ItemResult> {
    const version = spec.version ?? 'latest';
    this.specs.set(specKey(spec.model, version), spec);
    const { result, queueMs, batchSize } = await this.registry
      .get(spec.model, version)
      .submit(item, deadline);
    return { outputs: result.outputs, version: result.version, inferMs: result.inferMs, queueMs, batchSize };
  }

  /**
   * Refuses with 429 now, before the caller decodes anything, when the model's batcher would refuse this deadline
   * anyway: under overload, decoding images that are then turned away takes the CPU the model needs. Admitted, the
   * request holds a place until its `run`; a caller that fails before `run` (bad input) calls the returned
   * function to give the place back.
   */
  admit(spec: RunSpec, deadline: number): () => void {
    const version = spec.version ?? 'latest';
    this.specs.set(specKey(spec.model, version), spec);
    return this.registry.get(spec.model, version).checkAdmission(deadline);
  }

  /** Drains and forgets the batchers of a model version (after a model change, so a new spec takes effect). */
  async retire(model: string, version: string | undefined): Promise<void> {
    await this.registry.retire(model, version ?? 'latest');
  }

  /** Drains and forgets every batcher of a model (after a load, unload or pin). */
  async retireModel(model: string): Promise<void> {
    const versions = this.registry
      .snapshot()
      .filter((row) => row.model === model)
      .map((row) => row.version);
    await Promise.all(versions.map((v) => this.registry.retire(model, v)));
  }

  /** Shutdown: finish everything queued, accept nothing new. */
  async drain(): Promise<void> {
    await this.registry.drainAll();
  }

  snapshot() {
    return this.registry.snapshot();
  }

  private async runBatch(spec: RunSpec, items: Buffer[], deadline: number): Promise<BatchItemResult[]> {
    const started = performance.now();
    const n = items.length;
    const batched = spec.maxBatchSize > 0;
    if (!batched && n !== 1) throw new InternalError(`model '${spec.model}' does not batch, got ${n} items`);
    const input: WireTensor = {
      name: spec.inputName,
      datatype: spec.datatype,
      shape: batched ? [n, ...spec.dims] : [...spec.dims],
      data: n === 1 ? (items[0] as Buffer) : Buffer.concat(items),
    };
    const response = await this.client.infer(
      { model: spec.model, version: spec.version, inputs: [input], outputs: spec.outputs },
      { deadline },
    );
    const inferMs = performance.now() - started;
    this.options.onBatch?.(spec.model, n);
    const perItem: BatchItemResult[] = items.map(() => ({
      outputs: new Map(),
      version: response.version,
      inferMs,
    }));
    for (const name of spec.outputs) {
      const tensor = response.outputs.get(name);
      if (!tensor) throw new InternalError(`model '${spec.model}' returned no output '${name}'`);
      const rows = batched ? (tensor.shape[0] ?? 0) : 1;
      if (rows !== n) throw new InternalError(`output '${name}' has ${rows} rows for ${n} items`);
      const bytesPerItem = tensor.data.length / n;
      const shape = batched ? [1, ...tensor.shape.slice(1)] : tensor.shape;
      perItem.forEach((r, i) => {
        r.outputs.set(name, {
          name,
          datatype: tensor.datatype,
          shape,
          data: tensor.data.subarray(i * bytesPerItem, (i + 1) * bytesPerItem),
        });
      });
    }
    return perItem;
  }
}

const specKey = (model: string, version: string): string => `${model}@${version}`;
