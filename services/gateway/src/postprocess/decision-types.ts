/**
 * What postprocessing takes (one item's raw outputs by role) and what it returns (the decision, defects and
 * scores that the HTTP response and the audit trail carry).
 */
import type { SeverityLevel } from '../routing/contract-types';

export type Values = ArrayLike<number>;

/** One item's outputs, by role (see ContractOutputs); each holds exactly that output's per-item elements. */
export interface ItemOutputs {
  /** Calibrated class probabilities, or logits when the contract says the gateway calibrates. */
  classScores: Values;
  defectProbability?: Values;
  /** Row-major h × w (the contract's heatmap height × width). */
  heatmap?: Values;
  /** In the contract's `outputs.members` order. */
  members?: Values[];
  anomalyScore?: Values;
}

/** Size of the image as the station sent it (after EXIF orientation), in pixels. */
export interface SourceImageSize {
  width: number;
  height: number;
}

export type Decision = 'pass' | 'review' | 'fail';

/** Integer pixel box in the source image: columns [x, x + width), rows [y, y + height). */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DefectReport {
  class: string;
  /** Calibrated probability of the class. */
  confidence: number;
  severity: SeverityLevel;
  /** Bounding box of the hot heatmap cells (models with a heatmap, when any cell is hot). */
  region?: Region;
  /** Fraction of heatmap cells that are hot (models with a heatmap). */
  areaFraction?: number;
}

export type AdjustmentReason = 'class_threshold' | 'anomaly_score' | 'member_disagreement' | 'below_min_area';

/** A rule that moved the decision away from the review band's verdict. */
export interface DecisionAdjustment {
  reason: AdjustmentReason;
  from: Decision;
  to: Decision;
  detail: string;
}

export interface InspectionOutcome {
  decision: Decision;
  /** The review band's verdict on the defect probability, before the adjustments. */
  bandDecision: Decision;
  adjustments: DecisionAdjustment[];
  defectProbability: number;
  /** Calibrated probability of every class, in the contract's class order. */
  scores: Record<string, number>;
  /** Empty when the decision is pass; otherwise most confident first. */
  defects: DefectReport[];
  localization?: { areaFraction: number; hotCells: number; region?: Region };
  agreement?: { agreeing: number; members: number; required: number; memberDefectProbabilities: number[] };
  anomalyScore?: number;
}
