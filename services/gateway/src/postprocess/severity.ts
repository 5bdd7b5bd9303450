/**
 * Severity of one reported defect, from the contract's severity rules:
 *   1. base level: `per_class[class]`, else the rules' default level (`major` unless the config says);
 *   2. +1 level when the class probability ≥ `escalate_one_level_if_probability_at_least`;
 *   3. +1 level when the heatmap area fraction ≥ `escalate_one_level_if_heatmap_area_fraction_at_least`;
 *      (each escalation that applies adds one level; the result is capped at `critical`);
 *   4. `critical` when the item's defect probability ≥ `critical_if_fail_probability_at_least`.
 */
import { SEVERITY_LEVELS, type SeverityLevel, type SeverityRules } from '../routing/contract-types';

export interface SeverityFacts {
  className: string;
  /** Calibrated probability of the class. */
  confidence: number;
  /** The item's defect probability. */
  defectProbability: number;
  /** Hot heatmap cell fraction (models with a heatmap). */
  areaFraction?: number;
}

export function severityOf(rules: SeverityRules, facts: SeverityFacts): SeverityLevel {
  const base = rules.perClass[facts.className] ?? rules.defaultLevel;
  let index = SEVERITY_LEVELS.indexOf(base);
  if (
    rules.escalateIfProbabilityAtLeast !== undefined &&
    facts.confidence >= rules.escalateIfProbabilityAtLeast
  ) {
    index++;
  }
  if (
    rules.escalateIfAreaFractionAtLeast !== undefined &&
    facts.areaFraction !== undefined &&
    facts.areaFraction >= rules.escalateIfAreaFractionAtLeast
  ) {
    index++;
  }
  const critical = SEVERITY_LEVELS.length - 1;
  if (
    rules.criticalIfDefectProbabilityAtLeast !== undefined &&
    facts.defectProbability >= rules.criticalIfDefectProbabilityAtLeast
  ) {
    index = critical;
  }
  return SEVERITY_LEVELS[Math.min(index, critical)] ?? 'critical';
}
