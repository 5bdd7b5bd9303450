/**
 * The model evaluation path: dataset items → the gateway's own preprocessing (sharp adapter, measurement
 * validation) → batches straight to Triton / model-server over KServe v2 → the gateway's postprocessing.
 * Nothing about the model is assumed: shapes, classes and thresholds come from its contract.
 */
import type { ModelConfig, ModelMetadataResponse } from '@defect-gateway/proto';
import { readFloat32, type WireTensor } from '../domain/tensor';
import { ContractImages, ContractMeasurements } from '../inspections/contract-inputs';
import { decideInspection, itemOutputs, requestedOutputs, type SourceImageSize } from '../postprocess';
import type { ImagePreprocessor } from '../preprocess';
import { parseModelContract, type ModelContract } from '../routing';
import type { InferRequest, InferResult } from '../triton';
import { readImage, type Dataset, type DatasetItem } from './dataset';
import { measurementPayload, planFeatures, type FeaturePlan } from './measurement-payload';
import { errorMessage, type ItemFailure, type Prediction, type PredictionRun } from './prediction';
import { runPool } from './work-pool';

export interface ContractReader {
  modelConfig(name: string, version?: string): Promise<ModelConfig>;
  modelMetadata(name: string, version?: string): Promise<ModelMetadataResponse>;
}

export interface Inferrer {
  infer(req: InferRequest, opts: { deadline: number }): Promise<InferResult>;
}

/** The model's contract as the gateway reads it: ModelConfig + ModelMetadata of the served version. */
export async function readContract(
  client: ContractReader,
  model: string,
  version = '',
): Promise<ModelContract> {
  const [config, metadata] = await Promise.all([
    client.modelConfig(model, version),
    client.modelMetadata(model, version),
  ]);
  return parseModelContract(config, metadata, version || (metadata.versions[0] ?? ''));
}

export interface DirectRunOptions {
  client: Inferrer;
  contract: ModelContract;
  dataset: Dataset;
  preprocessor: ImagePreprocessor;
  /** Items per inference request (capped at the model's max_batch_size). */
  batch: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Deadline of each request. */
  timeoutMs: number;
  onProgress?: (done: number, count: number) => void;
}

interface Prepared {
  item: DatasetItem;
  data: Buffer;
  source?: SourceImageSize;
}

/** Runs every dataset item through the model; items that cannot be preprocessed or inferred are failures. */
export async function predictDirect(options: DirectRunOptions): Promise<PredictionRun> {
  const { contract, dataset } = options;
  const batchSize =
    contract.maxBatchSize > 0 ? Math.max(1, Math.min(options.batch, contract.maxBatchSize)) : 1;
  const images = new ContractImages(options.preprocessor);
  const measurements = new ContractMeasurements();
  const plan = featurePlanFor(contract, dataset);
  const prepare = async (item: DatasetItem): Promise<Prepared> => {
    if (item.kind === 'image') {
      const out = await images.preprocess(await readImage(item), contract);
      return { item, data: out.data, source: { width: out.width, height: out.height } };
    }
    const payload = measurementPayload(item.values, dataset.featureNames ?? [], plan ?? { form: 'array' });
    return { item, data: measurements.toInput(payload, contract) };
  };

  const predictions: (Prediction | undefined)[] = new Array<Prediction | undefined>(dataset.items.length);
  const failures: ItemFailure[] = [];
  const fail = (item: DatasetItem, err: unknown) =>
    failures.push({ id: item.id, trueClass: item.class, message: errorMessage(err) });
  const batches = Math.ceil(dataset.items.length / batchSize);
  const started = performance.now();
  let itemsDone = 0;
  await runPool(batches, options.concurrency, async (b) => {
    const first = b * batchSize;
    const items = dataset.items.slice(first, first + batchSize);
    const prepared: { at: number; p: Prepared }[] = [];
    await Promise.all(
      items.map((item, k) =>
        prepare(item).then(
          (p) => prepared.push({ at: first + k, p }),
          (err: unknown) => fail(item, err),
        ),
      ),
    );
    prepared.sort((x, y) => x.at - y.at);
    if (prepared.length > 0) {
      try {
        const decided = await inferBatch(
          options,
          prepared.map((x) => x.p),
        );
        decided.forEach((d, k) => {
          const at = prepared[k]?.at;
          if (at !== undefined) predictions[at] = d;
        });
      } catch (err) {
        for (const x of prepared) fail(x.p.item, err);
      }
    }
    itemsDone += items.length;
    options.onProgress?.(itemsDone, dataset.items.length);
  });
  return {
    predictions: predictions.filter((p): p is Prediction => p !== undefined),
    failures: failures.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    seconds: (performance.now() - started) / 1000,
  };
}

/** How this dataset's feature columns feed the model (image datasets: none). Throws on a mismatch. */
export function featurePlanFor(contract: ModelContract, dataset: Dataset): FeaturePlan | undefined {
  if (dataset.kind === 'image') {
    if (contract.image === undefined) {
      throw new Error(
        `model '${contract.model}' takes ${contract.modality} measurements, the dataset has images`,
      );
    }
    return undefined;
  }
  if (contract.electrical === undefined) {
    throw new Error(
      `model '${contract.model}' takes ${contract.modality} images, the dataset has measurements`,
    );
  }
  const { featureCount, featureNames } = contract.electrical;
  return planFeatures(dataset.featureNames ?? [], featureCount, featureNames);
}

async function inferBatch(options: DirectRunOptions, prepared: Prepared[]): Promise<Prediction[]> {
  const { contract } = options;
  const n = prepared.length;
  const batched = contract.maxBatchSize > 0;
  const input: WireTensor = {
    name: contract.input.name,
    datatype: contract.input.datatype,
    shape: batched ? [n, ...contract.input.dims] : [...contract.input.dims],
    data: n === 1 ? (prepared[0]?.data ?? Buffer.alloc(0)) : Buffer.concat(prepared.map((p) => p.data)),
  };
  const result = await options.client.infer(
    {
      model: contract.model,
      version: contract.version ?? '',
      inputs: [input],
      outputs: [...new Set(requestedOutputs(contract))],
    },
    { deadline: Date.now() + options.timeoutMs },
  );
  const floats = new Map<string, Float32Array>();
  for (const [name, tensor] of result.outputs)
    if (tensor.datatype === 'FP32') floats.set(name, readFloat32(tensor));
  return prepared.map((p, i) => {
    const outcome = decideInspection(contract, itemOutputs(contract, floats, i), p.source);
    return {
      id: p.item.id,
      trueClass: p.item.class,
      decision: outcome.decision,
      scores: outcome.scores,
      defectProbability: outcome.defectProbability,
      version: result.version,
    };
  });
}
