/**
 * What an experiment found: how often the candidate version decides as the recorded decisions did, which way the
 * decisions move, and, on the items a person has labelled (feedback), each side's accuracy, escapes and false
 * rejects. Pure: computed from the experiment's items.
 */
import type { Decision } from '../postprocess/decision-types';

export interface ComparedItem {
  baselineDecision: Decision;
  baselineTop: string | null;
  /** Null when the candidate could not decide the item. */
  candidateDecision: Decision | null;
  candidateTop: string | null;
  /** The latest human label, if any. */
  label: string | null;
}

export interface SideFigures {
  /** Of the items labelled with one of the model's classes, those whose highest-scoring class is the label. */
  accuracy: number | null;
  /** Labelled defects (label ≠ the good class) decided `pass`, over labelled defects. */
  escapeRate: number | null;
  /** Labelled good items decided `fail`, over labelled good items. */
  falseRejectRate: number | null;
  /** Labelled good items decided `review` or `fail`, over labelled good items. */
  reviewOrFailRate: number | null;
}

export interface ExperimentSummary {
  /** Items both sides decided. */
  compared: number;
  /** Share of compared items with the same decision. */
  agreement: number | null;
  /** Share of compared items with the same highest-scoring class. */
  topClassAgreement: number | null;
  decisions: { baseline: Record<Decision, number>; candidate: Record<Decision, number> };
  /** `"pass→fail": n`, for every pair that occurred, the recorded decision first. */
  transitions: Record<string, number>;
  /** `"Crack→Free": n`: how the highest-scoring class changed, most frequent first (at most 20 pairs). */
  topClassChanges: Record<string, number>;
  labelled: {
    n: number;
    defects: number;
    good: number;
    baseline: SideFigures;
    candidate: SideFigures;
  };
}

const DECISIONS: readonly Decision[] = ['pass', 'review', 'fail'];

/**
 * What a person's label says about an item, given the model's classes: `good` (the good class, or `pass`),
 * `defect` (any other class, or `fail`), or undefined (no label, or a label the figures cannot use: without a good
 * class a class name is neither).
 */
export interface LabelVocabulary {
  goodClass: string | undefined;
  classes: readonly string[];
}

export function labelKind(label: string | null, v: LabelVocabulary): 'good' | 'defect' | undefined {
  if (label === null) return undefined;
  if (label === 'pass') return 'good';
  if (label === 'fail') return 'defect';
  if (v.goodClass === undefined || !v.classes.includes(label)) return undefined;
  return label === v.goodClass ? 'good' : 'defect';
}

/** Accuracy, escapes, false rejects and reviews of one side's decisions on labelled items. */
export function labelledFigures(
  items: ReadonlyArray<{ decision: Decision; top: string | null; label: string | null }>,
  v: LabelVocabulary,
): SideFigures {
  const good = items.filter((i) => labelKind(i.label, v) === 'good');
  const defects = items.filter((i) => labelKind(i.label, v) === 'defect');
  const named = items.filter((i) => i.label !== null && v.classes.includes(i.label));
  return {
    accuracy: share(named.filter((i) => i.top === i.label).length, named.length),
    escapeRate: share(defects.filter((i) => i.decision === 'pass').length, defects.length),
    falseRejectRate: share(good.filter((i) => i.decision === 'fail').length, good.length),
    reviewOrFailRate: share(good.filter((i) => i.decision !== 'pass').length, good.length),
  };
}

export function summarize(items: readonly ComparedItem[], v: LabelVocabulary): ExperimentSummary {
  const compared = items.filter(
    (i): i is ComparedItem & { candidateDecision: Decision } => i.candidateDecision !== null,
  );
  const counts = (): Record<Decision, number> => ({ pass: 0, review: 0, fail: 0 });
  const baseline = counts();
  const candidate = counts();
  const transitions: Record<string, number> = {};
  const topChanges = new Map<string, number>();
  let same = 0;
  let sameTop = 0;
  for (const i of compared) {
    baseline[i.baselineDecision]++;
    candidate[i.candidateDecision]++;
    if (i.baselineDecision === i.candidateDecision) same++;
    else {
      const key = `${i.baselineDecision}→${i.candidateDecision}`;
      transitions[key] = (transitions[key] ?? 0) + 1;
    }
    if (i.baselineTop !== null && i.baselineTop === i.candidateTop) sameTop++;
    else if (i.baselineTop !== null && i.candidateTop !== null) {
      const key = `${i.baselineTop}→${i.candidateTop}`;
      topChanges.set(key, (topChanges.get(key) ?? 0) + 1);
    }
  }
  const labelled = compared.filter((i) => i.label !== null);
  const kinds = labelled.map((i) => labelKind(i.label, v));
  return {
    compared: compared.length,
    agreement: share(same, compared.length),
    topClassAgreement: share(sameTop, compared.length),
    decisions: { baseline, candidate },
    transitions: Object.fromEntries(
      DECISIONS.flatMap((a) => DECISIONS.map((b) => `${a}→${b}`)).flatMap((k) =>
        transitions[k] ? [[k, transitions[k]]] : [],
      ),
    ),
    topClassChanges: Object.fromEntries(
      [...topChanges].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 20),
    ),
    labelled: {
      n: labelled.length,
      defects: kinds.filter((k) => k === 'defect').length,
      good: kinds.filter((k) => k === 'good').length,
      baseline: labelledFigures(
        labelled.map((i) => ({ decision: i.baselineDecision, top: i.baselineTop, label: i.label })),
        v,
      ),
      candidate: labelledFigures(
        labelled.map((i) => ({ decision: i.candidateDecision, top: i.candidateTop, label: i.label })),
        v,
      ),
    },
  };
}

function share(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}
