/**
 * Evaluation figures of a classifier with a pass / review / fail decision, from per-item predictions. Pure.
 *
 * - accuracy: argmax class (ties: the first in class order) equals the true class.
 * - macro_f1: mean F1 over the classes present among the true or the predicted labels (as scikit-learn does);
 *   a class with no predictions has precision 0, a class with no items recall 0.
 * - auroc: defect vs good items, scored by the defect probability; ties count one half (average ranks).
 * - ece: 15 equal-width bins over the top class probability; Σ |bin| / n · |accuracy − mean confidence|.
 * - escape_rate: defect items decided `pass` / defect items.
 * - false_reject_rate: good items decided `fail` / good items; false_reject_or_review_rate counts `review` too.
 * - review_rate: items decided `review` / all items.
 * Rates without a denominator (no defect or no good items) are null. 95 % percentile-bootstrap intervals
 * (1000 resamples, fixed seed) for accuracy, macro_f1, auroc and escape_rate.
 */
import type { Decision } from '../postprocess';
import { ascendingOrder, weightedAuroc, type ScoredLabel } from './auroc';
import { DEFAULT_BOOTSTRAP, bootstrapIntervals, type BootstrapOptions, type Interval } from './bootstrap';

export interface EvaluatedItem {
  trueClass: string;
  trueIsDefect: boolean;
  /** Whether the item is a good (defect-free) one; default `!trueIsDefect`. */
  trueIsGood?: boolean;
  /** Calibrated probability per class. */
  scores: Readonly<Record<string, number>>;
  defectProbability: number;
  decision: Decision;
}

export interface ClassFigures {
  /** null when the class was never predicted. */
  precision: number | null;
  /** null when the class has no items. */
  recall: number | null;
  f1: number | null;
  support: number;
  predicted: number;
}

export type DecisionCounts = Record<Decision, number>;

export interface EvaluationMetrics {
  n: number;
  accuracy: number | null;
  macro_f1: number | null;
  auroc: number | null;
  ece: number | null;
  escape_rate: number | null;
  false_reject_rate: number | null;
  false_reject_or_review_rate: number | null;
  review_rate: number | null;
  defect_items: number;
  good_items: number;
  decisions: DecisionCounts;
  decisions_of_defect_items: DecisionCounts;
  decisions_of_good_items: DecisionCounts;
  per_class: Record<string, ClassFigures>;
  /** matrix[t][p]: items of true class `classes[t]` predicted as `classes[p]`. */
  confusion: { classes: string[]; matrix: number[][] };
  ci95: Record<IntervalKey, Interval | null>;
  bootstrap: { resamples: number; seed: number; method: 'percentile' };
}

const INTERVAL_KEYS = ['accuracy', 'macro_f1', 'auroc', 'escape_rate'] as const;
type IntervalKey = (typeof INTERVAL_KEYS)[number];

export const ECE_BINS = 15;

/** Index of the largest score over `classes` (the first one on ties). */
export function argmaxClass(scores: Readonly<Record<string, number>>, classes: readonly string[]): number {
  let best = 0;
  let bestScore = -Infinity;
  classes.forEach((c, i) => {
    const s = scores[c] ?? -Infinity;
    if (s > bestScore) {
      best = i;
      bestScore = s;
    }
  });
  return best;
}

/** The figures above for `items`, whose classes must all be in `classes` (the order of the confusion matrix). */
export function computeMetrics(
  items: readonly EvaluatedItem[],
  classes: readonly string[],
  bootstrap: BootstrapOptions = DEFAULT_BOOTSTRAP,
): EvaluationMetrics {
  const table = tabulate(items, classes);
  const point = weightedFigures(table, undefined);
  const confusion = classes.map(() => classes.map(() => 0));
  const emptyCounts = (): DecisionCounts => ({ pass: 0, review: 0, fail: 0 });
  const decisions = emptyCounts();
  const ofDefects = emptyCounts();
  const ofGood = emptyCounts();
  items.forEach((item, i) => {
    const row = confusion[table.truth[i] ?? 0];
    const p = table.predicted[i] ?? 0;
    if (row) row[p] = (row[p] ?? 0) + 1;
    decisions[item.decision]++;
    if (table.defect[i]) ofDefects[item.decision]++;
    if (table.good[i]) ofGood[item.decision]++;
  });
  const perClass: Record<string, ClassFigures> = {};
  classes.forEach((c, k) => {
    const tp = confusion[k]?.[k] ?? 0;
    const support = (confusion[k] ?? []).reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + (row[k] ?? 0), 0);
    const precision = predicted === 0 ? null : tp / predicted;
    const recall = support === 0 ? null : tp / support;
    const f1 = support === 0 && predicted === 0 ? null : f1Of(precision ?? 0, recall ?? 0);
    perClass[c] = { precision, recall, f1, support, predicted };
  });
  const goodItems = table.good.reduce((a, b) => a + b, 0);
  return {
    n: items.length,
    accuracy: point.accuracy,
    macro_f1: point.macro_f1,
    auroc: point.auroc,
    ece: expectedCalibrationError(items, classes),
    escape_rate: point.escape_rate,
    false_reject_rate: goodItems === 0 ? null : ofGood.fail / goodItems,
    false_reject_or_review_rate: goodItems === 0 ? null : (ofGood.fail + ofGood.review) / goodItems,
    review_rate: items.length === 0 ? null : decisions.review / items.length,
    defect_items: table.defect.reduce((a, b) => a + b, 0),
    good_items: goodItems,
    decisions,
    decisions_of_defect_items: ofDefects,
    decisions_of_good_items: ofGood,
    per_class: perClass,
    confusion: { classes: [...classes], matrix: confusion },
    ci95: bootstrapIntervals(items.length, (w) => weightedFigures(table, w), INTERVAL_KEYS, bootstrap),
    bootstrap: { resamples: bootstrap.resamples, seed: bootstrap.seed, method: 'percentile' },
  };
}

/** ECE over the top class probability in `ECE_BINS` equal-width bins ((0, 1/15], …, (14/15, 1]). */
export function expectedCalibrationError(
  items: readonly EvaluatedItem[],
  classes: readonly string[],
): number | null {
  if (items.length === 0) return null;
  const count = new Array<number>(ECE_BINS).fill(0);
  const confidence = new Array<number>(ECE_BINS).fill(0);
  const correct = new Array<number>(ECE_BINS).fill(0);
  for (const item of items) {
    const k = argmaxClass(item.scores, classes);
    const c = item.scores[classes[k] ?? ''] ?? 0;
    const bin = Math.min(ECE_BINS - 1, Math.max(0, Math.ceil(c * ECE_BINS) - 1));
    count[bin] = (count[bin] ?? 0) + 1;
    confidence[bin] = (confidence[bin] ?? 0) + c;
    if (classes[k] === item.trueClass) correct[bin] = (correct[bin] ?? 0) + 1;
  }
  let ece = 0;
  for (let b = 0; b < ECE_BINS; b++) {
    const m = count[b] ?? 0;
    if (m > 0) ece += (m / items.length) * Math.abs((correct[b] ?? 0) / m - (confidence[b] ?? 0) / m);
  }
  return ece;
}

interface Table {
  classCount: number;
  truth: Int32Array;
  predicted: Int32Array;
  defect: Uint8Array;
  good: Uint8Array;
  passed: Uint8Array;
  scored: ScoredLabel[];
  /** Item index of each entry of `scored` (defect and good items only). */
  scoredItem: number[];
  order: number[];
}

function tabulate(items: readonly EvaluatedItem[], classes: readonly string[]): Table {
  const index = new Map(classes.map((c, i) => [c, i]));
  const n = items.length;
  const table: Table = {
    classCount: classes.length,
    truth: new Int32Array(n),
    predicted: new Int32Array(n),
    defect: new Uint8Array(n),
    good: new Uint8Array(n),
    passed: new Uint8Array(n),
    scored: [],
    scoredItem: [],
    order: [],
  };
  items.forEach((item, i) => {
    const t = index.get(item.trueClass);
    if (t === undefined)
      throw new RangeError(`item ${i}: class '${item.trueClass}' is not one of the classes`);
    const isGood = item.trueIsGood ?? !item.trueIsDefect;
    if (isGood && item.trueIsDefect) throw new RangeError(`item ${i}: both defect and good`);
    table.truth[i] = t;
    table.predicted[i] = argmaxClass(item.scores, classes);
    table.defect[i] = item.trueIsDefect ? 1 : 0;
    table.good[i] = isGood ? 1 : 0;
    table.passed[i] = item.decision === 'pass' ? 1 : 0;
    if (item.trueIsDefect || isGood) {
      if (!Number.isFinite(item.defectProbability)) {
        throw new RangeError(`item ${i}: defect probability ${item.defectProbability} is not finite`);
      }
      table.scored.push({ score: item.defectProbability, positive: item.trueIsDefect });
      table.scoredItem.push(i);
    }
  });
  table.order = ascendingOrder(table.scored);
  return table;
}

/** accuracy, macro_f1, auroc and escape_rate with each item counted `weights[i]` times (default once). */
function weightedFigures(table: Table, weights: Uint32Array | undefined): Record<IntervalKey, number | null> {
  const k = table.classCount;
  const tp = new Float64Array(k);
  const support = new Float64Array(k);
  const predicted = new Float64Array(k);
  let total = 0;
  let correct = 0;
  let defects = 0;
  let escapes = 0;
  for (let i = 0; i < table.truth.length; i++) {
    const w = weights === undefined ? 1 : (weights[i] ?? 0);
    if (w === 0) continue;
    const t = table.truth[i] ?? 0;
    const p = table.predicted[i] ?? 0;
    total += w;
    support[t] = (support[t] ?? 0) + w;
    predicted[p] = (predicted[p] ?? 0) + w;
    if (t === p) {
      correct += w;
      tp[t] = (tp[t] ?? 0) + w;
    }
    if (table.defect[i]) {
      defects += w;
      if (table.passed[i]) escapes += w;
    }
  }
  let f1Sum = 0;
  let labels = 0;
  for (let c = 0; c < k; c++) {
    const s = support[c] ?? 0;
    const p = predicted[c] ?? 0;
    if (s === 0 && p === 0) continue;
    labels++;
    f1Sum += f1Of(p === 0 ? 0 : (tp[c] ?? 0) / p, s === 0 ? 0 : (tp[c] ?? 0) / s);
  }
  const scoredWeights =
    weights === undefined ? undefined : Float64Array.from(table.scoredItem, (item) => weights[item] ?? 0);
  return {
    accuracy: total === 0 ? null : correct / total,
    macro_f1: labels === 0 ? null : f1Sum / labels,
    auroc: weightedAuroc(table.scored, table.order, scoredWeights),
    escape_rate: defects === 0 ? null : escapes / defects,
  };
}

function f1Of(precision: number, recall: number): number {
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
}
