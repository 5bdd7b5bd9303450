/**
 * The evaluation report: the figures of `metrics.ts` plus what was evaluated (model, version, dataset and its
 * manifest digest, labels and their source, class mapping), the failures, timing and one line per item.
 * Both commands write this same JSON shape (field names in snake_case).
 */
import type { ModelContract } from '../routing';
import type { ClassMapping, LabelSpace } from './class-mapping';
import type { Dataset } from './dataset';
import { argmaxClass, computeMetrics, type EvaluatedItem, type EvaluationMetrics } from './metrics';
import type { ItemFailure, Prediction, PredictionRun } from './prediction';

export type EvaluationTool = 'evaluate' | 'evaluate:gateway';

export interface ReportInput {
  tool: EvaluationTool;
  model: { name: string; version: string };
  /** Where the predictions came from: `{ triton: 'host:port' }` or `{ gateway: url }`, plus details. */
  endpoint: Record<string, string>;
  dataset: Dataset;
  limit: number | undefined;
  labels: LabelSpace;
  /** How the good / defect classes were learned (the contract from Triton, or a command-line option). */
  labelsSource: string;
  contract?: ModelContract;
  mapping: ClassMapping;
  run: PredictionRun & { retries?: number };
  /** Model versions that answered, with counts (more than one means the model changed during the run). */
  versionsSeen: Record<string, number>;
  notes: string[];
}

export interface ReportItem {
  id: string;
  true_class: string;
  predicted_class: string;
  decision: Prediction['decision'];
  defect_probability: number;
}

export type EvaluationReport = {
  tool: EvaluationTool;
  created_at: string;
  model: { name: string; version: string; versions_seen: Record<string, number> };
  endpoint: Record<string, string>;
  dataset: {
    dir: string;
    name: string;
    manifest_sha256: string;
    kind: Dataset['kind'];
    total_items: number;
    class_counts: Record<string, number>;
    limit: number | null;
    /** Items sent (after the class mapping and the limit). */
    sent: number;
    /** True when the model's training manifest digest equals this manifest's: these are training data. */
    same_manifest_as_training: boolean | null;
  };
  labels: { classes: string[]; good_class: string | null; defect_classes: string[]; source: string };
  thresholds: { review: number; fail: number; per_class: Record<string, number> } | null;
  class_mapping: {
    matched: Record<string, string>;
    unmatched_dataset_classes: string[];
    model_classes_without_data: string[];
  };
  defect_probability_source: string;
} & EvaluationMetrics & {
    failures: { count: number; by_status: Record<string, number>; first: ItemFailure[] };
    retries: number;
    timing: { seconds: number; items_per_second: number | null };
    notes: string[];
    items: ReportItem[];
  };

const FIRST_FAILURES = 10;

/** P(defect) of a prediction: the model's own when the path had it, else 1 − P(good) (Σ P(defect) without a good class). */
export function defectProbabilityOf(p: Prediction, labels: LabelSpace): number {
  if (p.defectProbability !== undefined) return p.defectProbability;
  const q =
    labels.goodClass !== undefined
      ? 1 - (p.scores[labels.goodClass] ?? 0)
      : labels.defectClasses.reduce((s, c) => s + (p.scores[c] ?? 0), 0);
  return Math.min(1, Math.max(0, q));
}

export function buildReport(input: ReportInput): EvaluationReport {
  const { labels, mapping, run, dataset, contract } = input;
  const evaluated: EvaluatedItem[] = [];
  const items: ReportItem[] = [];
  let derived = 0;
  for (const p of run.predictions) {
    const role = mapping.matched[p.trueClass];
    if (role === undefined) continue;
    if (p.defectProbability === undefined) derived++;
    const q = defectProbabilityOf(p, labels);
    evaluated.push({
      trueClass: p.trueClass,
      trueIsDefect: role === 'defect',
      trueIsGood: role === 'good',
      scores: p.scores,
      defectProbability: q,
      decision: p.decision,
    });
    items.push({
      id: p.id,
      true_class: p.trueClass,
      predicted_class: labels.classes[argmaxClass(p.scores, labels.classes)] ?? '',
      decision: p.decision,
      defect_probability: q,
    });
  }
  const metrics = computeMetrics(evaluated, labels.classes);
  const byStatus: Record<string, number> = {};
  for (const f of run.failures) {
    const key = f.status === undefined ? 'no response' : String(f.status);
    byStatus[key] = (byStatus[key] ?? 0) + 1;
  }
  const sent = run.predictions.length + run.failures.length;
  const trainingSha = contract?.trainingManifestSha256;
  const notes = [...input.notes];
  if (trainingSha !== undefined && trainingSha === dataset.manifestSha256) {
    notes.push(
      "this manifest's SHA-256 equals the model's training_manifest_sha256: the model was trained on these items, " +
        'so the figures are training-set figures, not held-out ones',
    );
  } else if (trainedOnAllDevelopment(contract, dataset)) {
    notes.push(
      `the model trained on ${ALL_DEVELOPMENT} (its training_scope) and these are development items ` +
        `(split ${dataset.splits.join(', ')}), so the figures are training-set figures, not held-out ones; ` +
        'its cross-validated figures are in its MODEL_CARD.md',
    );
  }
  return {
    tool: input.tool,
    created_at: new Date().toISOString(),
    model: { ...input.model, versions_seen: input.versionsSeen },
    endpoint: input.endpoint,
    dataset: {
      dir: dataset.dir,
      name: dataset.name,
      manifest_sha256: dataset.manifestSha256,
      kind: dataset.kind,
      total_items: dataset.totalItems,
      class_counts: dataset.classCounts,
      limit: input.limit ?? null,
      sent,
      same_manifest_as_training: trainingSha === undefined ? null : trainingSha === dataset.manifestSha256,
    },
    labels: {
      classes: [...labels.classes],
      good_class: labels.goodClass ?? null,
      defect_classes: [...labels.defectClasses],
      source: input.labelsSource,
    },
    thresholds:
      contract === undefined
        ? null
        : { review: contract.reviewThreshold, fail: contract.failThreshold, per_class: contract.thresholds },
    class_mapping: {
      matched: mapping.matched,
      unmatched_dataset_classes: mapping.unmatchedDatasetClasses,
      model_classes_without_data: mapping.modelClassesWithoutData,
    },
    defect_probability_source:
      derived === 0
        ? "the model's defect probability (as the gateway decides by it)"
        : labels.goodClass !== undefined
          ? `1 - P(${labels.goodClass}) from the reported scores`
          : 'the sum of the defect classes in the reported scores',
    ...metrics,
    failures: {
      count: run.failures.length,
      by_status: byStatus,
      first: run.failures.slice(0, FIRST_FAILURES),
    },
    retries: run.retries ?? 0,
    timing: {
      seconds: round(run.seconds, 3),
      items_per_second: run.seconds > 0 ? round(sent / run.seconds, 1) : null,
    },
    notes,
    items,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The trainer's `training_scope` of a model that held no development image out. */
export const ALL_DEVELOPMENT = 'all development images';

/** A model trained on every development image, scored on development items (`dev`, or a trainer's fold folder). */
function trainedOnAllDevelopment(contract: ModelContract | undefined, dataset: Dataset): boolean {
  return (
    contract?.trainingScope === ALL_DEVELOPMENT &&
    dataset.splits.some((s) => s === 'dev' || s.startsWith('validation-fold'))
  );
}
