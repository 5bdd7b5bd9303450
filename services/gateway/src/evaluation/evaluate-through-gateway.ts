/**
 * `npm run evaluate:gateway`: every item through `POST /v1/inspections` of a running gateway. One probe
 * request first learns which model the gateway routes the modality to and its classes; the labels (good /
 * defect classes) come from that model's contract (see gateway-labels.ts).
 */
import { describeMapping, mapClasses } from './class-mapping';
import { countVersions } from './cli-options';
import { datasetClassCounts, loadDataset } from './dataset';
import {
  inspectItem,
  predictViaGateway,
  type GatewayPrediction,
  type GatewayTarget,
} from './gateway-evaluator';
import { resolveGatewayLabels } from './gateway-labels';
import type { FeaturePlan, MeasurementForm } from './measurement-payload';
import type { ItemFailure } from './prediction';
import { buildReport, type EvaluationReport } from './report';
import { progressPrinter } from './work-pool';

const PROBE_ITEMS = 5;

export interface GatewayEvaluationOptions extends GatewayTarget {
  data: string;
  limit?: number;
  concurrency: number;
  /** How to send measurements: `{name: value}` (default) or an array in column order. */
  measurements: MeasurementForm;
  goodClass?: string;
  /** `host:port` of the Triton the gateway uses, to read the contract (default: from its /readyz). */
  triton?: string;
  log?: (line: string) => void;
}

export async function evaluateThroughGateway(options: GatewayEvaluationOptions): Promise<EvaluationReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const url = options.url.replace(/\/+$/, '');
  const target: GatewayTarget = { ...options, url };
  const featurePlan: FeaturePlan = { form: options.measurements };

  // Probe: the first few items (a stratified handful) until one is decided; it names the model and its classes.
  const probeSet = await loadDataset(options.data, { limit: PROBE_ITEMS });
  const probeTarget = { ...target, featureNames: probeSet.featureNames, featurePlan };
  let probe: GatewayPrediction | undefined;
  let refused: ItemFailure | undefined;
  for (const item of probeSet.items) {
    const answer = await inspectItem(probeTarget, item);
    if (answer.ok) {
      probe = answer.prediction;
      break;
    }
    refused ??= answer.failure;
  }
  if (probe === undefined) {
    const f = refused;
    throw new Error(
      `the gateway at ${url} decided none of the first ${probeSet.items.length} items` +
        (f === undefined
          ? ''
          : ` (${f.id}: ${f.status ?? 'no response'}${f.code ? ` ${f.code}` : ''}: ${f.message})`),
    );
  }
  const { model, version } = probe;
  const resolved = await resolveGatewayLabels({
    gatewayUrl: url,
    model,
    version,
    classes: Object.keys(probe.scores),
    ...(options.goodClass === undefined ? {} : { goodClass: options.goodClass }),
    ...(options.triton === undefined ? {} : { triton: options.triton }),
  });
  const notes: string[] = [];
  const reported = Object.keys(probe.scores).join(',');
  if (reported !== resolved.labels.classes.join(',')) {
    notes.push(`the gateway's score classes [${reported}] differ from the contract's classes`);
  }
  const classCounts = await datasetClassCounts(options.data);
  const mapping = mapClasses(Object.keys(classCounts), resolved.labels);
  notes.push(...describeMapping(mapping, classCounts));
  notes.forEach(log);

  const dataset = await loadDataset(options.data, {
    limit: options.limit,
    classes: Object.keys(mapping.matched),
  });
  const run = await predictViaGateway({
    ...target,
    items: dataset.items,
    ...(dataset.featureNames === undefined ? {} : { featureNames: dataset.featureNames }),
    featurePlan,
    concurrency: options.concurrency,
    onProgress: progressPrinter(`${model} via ${url} on ${dataset.name}`, log),
  });
  const models = new Set(run.predictions.map((p) => p.model));
  if (models.size > 1) notes.push(`the gateway answered with several models: ${[...models].join(', ')}`);
  const versionsSeen = countVersions(run.predictions, model);
  if (Object.keys(versionsSeen).length > 1) {
    notes.push(`the model version changed during the run: ${JSON.stringify(versionsSeen)}`);
  }
  return buildReport({
    tool: 'evaluate:gateway',
    model: { name: model, version },
    endpoint: { gateway: url, modality: options.modality },
    dataset,
    limit: options.limit,
    labels: resolved.labels,
    labelsSource: resolved.source,
    ...(resolved.contract === undefined ? {} : { contract: resolved.contract }),
    mapping,
    run,
    versionsSeen,
    notes,
  });
}
