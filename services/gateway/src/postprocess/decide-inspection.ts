/**
 * decideInspection: one item's raw model outputs + the model contract → the decision. Pure and
 * deterministic; the same rule is written out in docs/model-contract.md ("Decision rule").
 *
 *  1. p = calibrated class probabilities (softmax(logits / T) only when not calibrated in the graph);
 *     q = P(defect) (the defect-probability output, else 1 − P(good)).
 *  2. Review band: q ≥ fail_threshold → fail; review_threshold ≤ q < fail_threshold → review; else pass.
 *  3. Detected classes: defect classes c with p[c] ≥ their class threshold.
 *  4. Escalations of a pass (never to fail):
 *     a. class_thresholds_escalate and a class is detected → review ('class_threshold');
 *     b. anomaly score ≥ anomaly_review_threshold → review ('anomaly_score').
 *  5. False-positive reduction of a fail (never to pass; both are checked and both are recorded):
 *     a. member agreement: fewer than `min_members` members with defect probability ≥ the agreement
 *        threshold → review ('member_disagreement');
 *     b. minimum area: hot heatmap fraction < `min_area_fraction` → review ('below_min_area').
 *  6. Defects (only when the decision is not pass): the detected classes plus the most probable defect
 *     class, most confident first (ties in class order); each with its severity and, when the model has a
 *     heatmap, the region and area fraction (the heatmap is class-agnostic: every defect gets the same box).
 */
import type { ModelContract } from '../routing/contract-types';
import type {
  Decision,
  DecisionAdjustment,
  DefectReport,
  InspectionOutcome,
  ItemOutputs,
  SourceImageSize,
} from './decision-types';
import { cellsToSourceRegion, findHotCells } from './localization';
import { classProbabilities, defectProbability, memberDefectProbabilities } from './probabilities';
import { severityOf } from './severity';

export function bandDecision(q: number, reviewThreshold: number, failThreshold: number): Decision {
  if (q >= failThreshold) return 'fail';
  if (q >= reviewThreshold) return 'review';
  return 'pass';
}

/**
 * Decides one item. `source` (the image's width and height as sent) is required for models with a heatmap,
 * so that the region is in the source image's pixel coordinates.
 */
export function decideInspection(
  contract: ModelContract,
  outputs: ItemOutputs,
  source?: SourceImageSize,
): InspectionOutcome {
  const p = classProbabilities(contract, outputs);
  const q = defectProbability(contract, outputs, p);
  const scores: Record<string, number> = {};
  contract.classes.forEach((c, i) => (scores[c] = p[i] ?? 0));
  const band = bandDecision(q, contract.reviewThreshold, contract.failThreshold);
  const outcome: InspectionOutcome = {
    decision: band,
    bandDecision: band,
    adjustments: [],
    defectProbability: q,
    scores,
    defects: [],
  };
  const adjust = (reason: DecisionAdjustment['reason'], to: Decision, detail: string): void => {
    outcome.adjustments.push({ reason, from: band, to, detail });
    outcome.decision = to;
  };
  const detected = contract.defectClasses.filter(
    (c) => (scores[c] ?? 0) >= (contract.thresholds[c] ?? Infinity),
  );

  const anomaly = outputs.anomalyScore === undefined ? undefined : Number(outputs.anomalyScore[0]);
  if (contract.outputs.anomalyScore !== undefined && anomaly !== undefined && Number.isFinite(anomaly)) {
    outcome.anomalyScore = anomaly;
  }
  if (band === 'pass' && contract.classThresholdsEscalate && detected.length > 0) {
    adjust('class_threshold', 'review', `${detected.join(', ')} at or above the class threshold`);
  }
  const anomalyLimit = contract.anomalyReviewThreshold;
  if (
    band === 'pass' &&
    anomalyLimit !== undefined &&
    outcome.anomalyScore !== undefined &&
    outcome.anomalyScore >= anomalyLimit
  ) {
    adjust('anomaly_score', 'review', `anomaly score ${outcome.anomalyScore} ≥ ${anomalyLimit}`);
  }

  const agreement = contract.agreement;
  if (agreement !== undefined) {
    const members = memberDefectProbabilities(contract, outputs);
    const agreeing = members.filter((m) => m >= agreement.threshold).length;
    outcome.agreement = {
      agreeing,
      members: members.length,
      required: agreement.minMembers,
      memberDefectProbabilities: members,
    };
    if (band === 'fail' && agreeing < agreement.minMembers) {
      adjust(
        'member_disagreement',
        'review',
        `${agreeing} of ${members.length} members ≥ ${agreement.threshold}, ${agreement.minMembers} required`,
      );
    }
  }

  const heatmap = contract.outputs.heatmap;
  const rules = contract.localization;
  if (heatmap !== undefined && rules !== undefined && contract.image !== undefined) {
    if (outputs.heatmap === undefined)
      throw new RangeError(`model '${contract.model}': heatmap output missing`);
    if (source === undefined)
      throw new RangeError(`model '${contract.model}' localizes: the source image size is required`);
    const cells = findHotCells(outputs.heatmap, heatmap.height, heatmap.width, rules.threshold);
    const areaFraction = cells.count / cells.total;
    const region =
      cells.box === undefined
        ? undefined
        : cellsToSourceRegion(cells.box, heatmap, contract.image, source, contract.image.resizeFit);
    outcome.localization =
      region === undefined
        ? { areaFraction, hotCells: cells.count }
        : { areaFraction, hotCells: cells.count, region };
    if (band === 'fail' && areaFraction < rules.minAreaFraction) {
      adjust('below_min_area', 'review', `hot heatmap area ${areaFraction} < ${rules.minAreaFraction}`);
    }
  }

  if (outcome.decision !== 'pass')
    outcome.defects = reportDefects(contract, scores, detected, q, outcome.localization);
  return outcome;
}

function reportDefects(
  contract: ModelContract,
  scores: Record<string, number>,
  detected: readonly string[],
  q: number,
  localization: InspectionOutcome['localization'],
): DefectReport[] {
  const order = contract.defectClasses;
  let top = order[0];
  for (const c of order) if ((scores[c] ?? 0) > (scores[top ?? ''] ?? 0)) top = c;
  const chosen = order.filter((c) => detected.includes(c) || c === top);
  chosen.sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || order.indexOf(a) - order.indexOf(b));
  return chosen.map((c) => {
    const confidence = scores[c] ?? 0;
    const facts = { className: c, confidence, defectProbability: q };
    const defect: DefectReport = {
      class: c,
      confidence,
      severity: severityOf(
        contract.severity,
        localization === undefined ? facts : { ...facts, areaFraction: localization.areaFraction },
      ),
    };
    if (localization?.region !== undefined) defect.region = { ...localization.region };
    if (localization !== undefined) defect.areaFraction = localization.areaFraction;
    return defect;
  });
}
