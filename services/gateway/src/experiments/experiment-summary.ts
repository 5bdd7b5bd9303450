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
  /** Labelled items whose highest-scoring class is the label. */
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
  labelled: {
    n: number;
    defects: number;
    good: number;
    baseline: SideFigures;
    candidate: SideFigures;
  };
}

const DECISIONS: readonly Decision[] = ['pass', 'review', 'fail'];

/** `goodClass`: the contract's good class; without one, labelled figures other than accuracy stay null. */
export function summarize(items: readonly ComparedItem[], goodClass: string | undefined): ExperimentSummary {
  const compared = items.filter(
    (i): i is ComparedItem & { candidateDecision: Decision } => i.candidateDecision !== null,
  );
  const counts = (): Record<Decision, number> => ({ pass: 0, review: 0, fail: 0 });
  const baseline = counts();
  const candidate = counts();
  const transitions: Record<string, number> = {};
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
  }
  const labelled = compared.filter((i) => i.label !== null);
  const isGood = (i: ComparedItem) => goodClass !== undefined && i.label === goodClass;
  const isDefect = (i: ComparedItem) => goodClass !== undefined && i.label !== goodClass;
  const side = (
    decision: (i: (typeof compared)[number]) => Decision,
    top: (i: ComparedItem) => string | null,
  ) => {
    const good = labelled.filter(isGood);
    const defects = labelled.filter(isDefect);
    return {
      accuracy: share(labelled.filter((i) => top(i) === i.label).length, labelled.length),
      escapeRate: share(defects.filter((i) => decision(i) === 'pass').length, defects.length),
      falseRejectRate: share(good.filter((i) => decision(i) === 'fail').length, good.length),
      reviewOrFailRate: share(good.filter((i) => decision(i) !== 'pass').length, good.length),
    };
  };
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
    labelled: {
      n: labelled.length,
      defects: labelled.filter(isDefect).length,
      good: labelled.filter(isGood).length,
      baseline: side(
        (i) => i.baselineDecision,
        (i) => i.baselineTop,
      ),
      candidate: side(
        (i) => i.candidateDecision,
        (i) => i.candidateTop,
      ),
    },
  };
}

function share(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}
