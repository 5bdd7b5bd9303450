/**
 * `npm run evaluate`: one model, straight through KServe v2 (a model-server started for the run, or any
 * Triton at `url`), with the gateway's preprocessing and decision rule.
 */
import { ImagePreprocessor } from '../preprocess';
import { TritonClient } from '../triton';
import { describeMapping, mapClasses, type LabelSpace } from './class-mapping';
import { gatewayImageLimits, countVersions } from './cli-options';
import { datasetClassCounts, loadDataset } from './dataset';
import { featurePlanFor, predictDirect, readContract } from './direct-evaluator';
import type { EmbeddedModelServer } from '../embedded-model-server';
import { assertModelInRepository, startEvaluationServer } from './model-server-process';
import { buildReport, type EvaluationReport } from './report';
import { progressPrinter } from './work-pool';

export interface ModelEvaluationOptions {
  model: string;
  data: string;
  /** `host:port` of a running Triton / model-server; absent: start model-server on `repository`. */
  url?: string;
  /** The repository for the started model-server (required without `url`). */
  repository?: string;
  limit?: number;
  concurrency: number;
  batch: number;
  timeoutMs: number;
  /** Progress and notes go here (default: stderr). */
  log?: (line: string) => void;
}

export async function evaluateModel(options: ModelEvaluationOptions): Promise<EvaluationReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let server: EmbeddedModelServer | undefined;
  let address = options.url;
  const endpoint: Record<string, string> = {};
  if (address === undefined) {
    const repository = options.repository;
    if (repository === undefined) throw new Error('evaluateModel needs a url or a repository');
    await assertModelInRepository(repository, options.model);
    log(`starting model-server on ${repository} (model ${options.model}) …`);
    server = await startEvaluationServer(repository, options.model);
    address = server.address;
    endpoint.model_server = address;
    endpoint.repository = repository;
  } else {
    endpoint.triton = address;
  }
  const client = new TritonClient({
    endpoints: [address],
    connectTimeoutMs: 30_000,
    defaultTimeoutMs: 30_000,
  });
  try {
    await client.connect();
    const contract = await readContract(client, options.model);
    const labels: LabelSpace = { classes: contract.classes, defectClasses: contract.defectClasses };
    if (contract.goodClass !== undefined) labels.goodClass = contract.goodClass;
    const classCounts = await datasetClassCounts(options.data);
    const mapping = mapClasses(Object.keys(classCounts), labels);
    const notes = describeMapping(mapping, classCounts);
    notes.forEach(log);
    const dataset = await loadDataset(options.data, {
      limit: options.limit,
      classes: Object.keys(mapping.matched),
    });
    featurePlanFor(contract, dataset); // a feature or modality mismatch fails here, before any inference
    const run = await predictDirect({
      client,
      contract,
      dataset,
      preprocessor: new ImagePreprocessor(gatewayImageLimits()),
      batch: options.batch,
      concurrency: options.concurrency,
      timeoutMs: options.timeoutMs,
      onProgress: progressPrinter(`${contract.model} on ${dataset.name}`, log),
    });
    const versionsSeen = countVersions(run.predictions, contract.model);
    return buildReport({
      tool: 'evaluate',
      model: { name: contract.model, version: run.predictions[0]?.version ?? contract.version ?? '' },
      endpoint,
      dataset,
      limit: options.limit,
      labels,
      labelsSource: 'the model contract (ModelConfig + ModelMetadata)',
      contract,
      mapping,
      run,
      versionsSeen,
      notes,
    });
  } finally {
    await client.close();
    await server?.stop();
  }
}
