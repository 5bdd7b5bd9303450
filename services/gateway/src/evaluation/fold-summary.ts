/**
 * Mean ± standard deviation of `npm run evaluate` reports over the folds of a k-fold run: one report per held-out
 * fold, each scored by the model trained without that fold.
 */

/** The report fields summarized over folds (all proportions or scores in [0, 1]). */
export const FOLD_METRICS = [
  'accuracy',
  'macro_f1',
  'auroc',
  'ece',
  'escape_rate',
  'false_reject_rate',
  'false_reject_or_review_rate',
  'review_rate',
] as const;

export type FoldMetric = (typeof FOLD_METRICS)[number];

export interface FoldReport {
  /** Where the report came from (a file name), for the table. */
  source: string;
  model: string;
  dataset: string;
  n: number;
  metrics: Partial<Record<FoldMetric, number>>;
}

export interface MetricSummary {
  mean: number;
  /** Sample standard deviation (n − 1); 0 for a single fold. */
  sd: number;
  min: number;
  max: number;
  folds: number;
}

export interface FoldSummary {
  model: string;
  folds: number;
  items: number;
  metrics: Partial<Record<FoldMetric, MetricSummary>>;
  per_fold: FoldReport[];
}

export class FoldReportError extends Error {}

/** Reads the fields the summary needs from one parsed report; refuses anything that is not an evaluate report. */
export function foldReportOf(source: string, parsed: unknown): FoldReport {
  if (typeof parsed !== 'object' || parsed === null) {
    throw new FoldReportError(`${source}: not a JSON object`);
  }
  const r = parsed as Record<string, unknown>;
  const model = (r.model as { name?: unknown } | undefined)?.name;
  const dataset = (r.dataset as { name?: unknown } | undefined)?.name;
  if (typeof model !== 'string' || typeof r.n !== 'number') {
    throw new FoldReportError(`${source}: not an evaluate report (no model.name or n)`);
  }
  const metrics: Partial<Record<FoldMetric, number>> = {};
  for (const key of FOLD_METRICS) {
    const v = r[key];
    if (typeof v === 'number' && Number.isFinite(v)) metrics[key] = v;
  }
  return { source, model, dataset: typeof dataset === 'string' ? dataset : '', n: r.n, metrics };
}

function summarize(values: number[]): MetricSummary {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance =
    values.length > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  return {
    mean,
    sd: Math.sqrt(variance),
    min: Math.min(...values),
    max: Math.max(...values),
    folds: values.length,
  };
}

/** Mean ± sd per metric over the folds; every report must be of the same model. */
export function summarizeFolds(reports: FoldReport[]): FoldSummary {
  if (reports.length === 0) throw new FoldReportError('no report given');
  const models = [...new Set(reports.map((r) => r.model))];
  if (models.length > 1) {
    throw new FoldReportError(`reports of different models (${models.join(', ')}): one model per summary`);
  }
  const metrics: Partial<Record<FoldMetric, MetricSummary>> = {};
  for (const key of FOLD_METRICS) {
    const values = reports.map((r) => r.metrics[key]).filter((v): v is number => v !== undefined);
    if (values.length === reports.length) metrics[key] = summarize(values);
  }
  return {
    model: models[0] as string,
    folds: reports.length,
    items: reports.reduce((a, r) => a + r.n, 0),
    metrics,
    per_fold: reports,
  };
}

/** A plain-text table: one line per metric, mean ± sd and the range over folds. */
export function formatFoldSummary(s: FoldSummary): string {
  const lines = [`${s.model}: ${s.folds} folds, ${s.items} held-out items in all`];
  for (const key of FOLD_METRICS) {
    const m = s.metrics[key];
    if (!m) continue;
    lines.push(
      `  ${key.padEnd(28)} ${m.mean.toFixed(4)} ± ${m.sd.toFixed(4)}   (min ${m.min.toFixed(4)}, max ${m.max.toFixed(4)})`,
    );
  }
  for (const r of s.per_fold) {
    const acc = r.metrics.accuracy === undefined ? '' : ` accuracy ${r.metrics.accuracy.toFixed(4)}`;
    lines.push(`  fold ${r.dataset || r.source}: n ${r.n}${acc}`);
  }
  return lines.join('\n');
}
