/**
 * The decision half of the contract: review band, per-class thresholds, severity rules, localization
 * (heatmap threshold, minimum defect area), member agreement and the anomaly review threshold.
 * See docs/model-contract.md for the rule these numbers feed.
 */
import {
  checkNumber,
  checkObject,
  checkOneOf,
  unknownKeys,
  type ContractParameters,
} from './contract-parameters';
import {
  SEVERITY_LEVELS,
  type AgreementRules,
  type ContractOutputs,
  type LocalizationRules,
  type SeverityLevel,
  type SeverityRules,
} from './contract-types';
import { problem } from './model-contract-error';

const PROBABILITY = { min: 0, max: 1 } as const;

export interface DecisionThresholds {
  reviewThreshold: number;
  failThreshold: number;
  thresholds: Record<string, number>;
  classThresholdsEscalate: boolean;
}

export function parseThresholds(
  params: ContractParameters,
  defectClasses: readonly string[],
): DecisionThresholds {
  const reviewThreshold = params.requiredNumber('review_threshold', PROBABILITY);
  const failThreshold = params.requiredNumber('fail_threshold', PROBABILITY);
  if (reviewThreshold > failThreshold) {
    problem('review_threshold', `(${reviewThreshold}) must be ≤ fail_threshold (${failThreshold})`);
  }
  const thresholds: Record<string, number> = {};
  for (const c of defectClasses) thresholds[c] = failThreshold;
  const given = params.jsonObject('class_thresholds_json');
  for (const [cls, value] of Object.entries(given ?? {})) {
    const key = `class_thresholds_json.${cls}`;
    if (!defectClasses.includes(cls))
      problem(key, `'${cls}' is not a defect class [${defectClasses.join(', ')}]`);
    thresholds[cls] = checkNumber(value, key, PROBABILITY);
  }
  const classThresholdsEscalate = params.boolean('class_thresholds_escalate') ?? false;
  return { reviewThreshold, failThreshold, thresholds, classThresholdsEscalate };
}

const SEVERITY_KEYS = [
  'per_class',
  'default',
  'levels',
  'escalate_one_level_if_probability_at_least',
  'escalate_one_level_if_heatmap_area_fraction_at_least',
  'critical_if_fail_probability_at_least',
  'heatmap_area',
  'note',
] as const;

/**
 * `severity_rules_json`. Unknown keys are an error: a severity rule the gateway does not implement would
 * otherwise be silently ignored. Absent: every defect is `major`.
 */
export function parseSeverity(
  params: ContractParameters,
  defectClasses: readonly string[],
  outputs: ContractOutputs,
): SeverityRules {
  const key = 'severity_rules_json';
  const obj = params.jsonObject(key);
  if (obj === undefined) return { perClass: {}, defaultLevel: 'major' };
  const unknown = unknownKeys(obj, SEVERITY_KEYS);
  if (unknown.length > 0)
    problem(key, `unknown rule(s) ${unknown.join(', ')}; known: ${SEVERITY_KEYS.join(', ')}`);
  if (obj.levels !== undefined && JSON.stringify(obj.levels) !== JSON.stringify(SEVERITY_LEVELS)) {
    problem(`${key}.levels`, `must be ${JSON.stringify(SEVERITY_LEVELS)}, got ${JSON.stringify(obj.levels)}`);
  }
  const perClass: Record<string, SeverityLevel> = {};
  for (const [cls, level] of Object.entries(
    obj.per_class === undefined ? {} : checkObject(obj.per_class, `${key}.per_class`),
  )) {
    const path = `${key}.per_class.${cls}`;
    if (!defectClasses.includes(cls))
      problem(path, `'${cls}' is not a defect class [${defectClasses.join(', ')}]`);
    perClass[cls] = checkOneOf(level, path, SEVERITY_LEVELS);
  }
  const rules: SeverityRules = {
    perClass,
    defaultLevel:
      obj.default === undefined ? 'major' : checkOneOf(obj.default, `${key}.default`, SEVERITY_LEVELS),
  };
  const number = (name: (typeof SEVERITY_KEYS)[number]): number | undefined =>
    obj[name] === undefined ? undefined : checkNumber(obj[name], `${key}.${name}`, PROBABILITY);
  const byProbability = number('escalate_one_level_if_probability_at_least');
  if (byProbability !== undefined) rules.escalateIfProbabilityAtLeast = byProbability;
  const byArea = number('escalate_one_level_if_heatmap_area_fraction_at_least');
  if (byArea !== undefined) {
    if (outputs.heatmap === undefined) {
      problem(`${key}.escalate_one_level_if_heatmap_area_fraction_at_least`, 'needs outputs_json.heatmap');
    }
    rules.escalateIfAreaFractionAtLeast = byArea;
  }
  const critical = number('critical_if_fail_probability_at_least');
  if (critical !== undefined) rules.criticalIfDefectProbabilityAtLeast = critical;
  return rules;
}

/**
 * `heatmap_json` (required with outputs_json.heatmap): `threshold` (required), `min_area_fraction`
 * (gateway-defined, default 0 = off), `output` and `dims` (checked when given); other keys are descriptive.
 */
export function parseLocalization(
  params: ContractParameters,
  outputs: ContractOutputs,
): LocalizationRules | undefined {
  const key = 'heatmap_json';
  const obj = params.jsonObject(key);
  const heatmap = outputs.heatmap;
  if (heatmap === undefined) {
    if (obj !== undefined) problem(key, 'is given but outputs_json has no heatmap');
    return undefined;
  }
  if (obj === undefined) problem(key, 'is required with outputs_json.heatmap (at least {"threshold": t})');
  if (obj.output !== undefined && obj.output !== heatmap.name) {
    problem(
      `${key}.output`,
      `is ${JSON.stringify(obj.output)}, but outputs_json.heatmap is '${heatmap.name}'`,
    );
  }
  if (obj.dims !== undefined && JSON.stringify(obj.dims) !== JSON.stringify(heatmap.dims)) {
    problem(
      `${key}.dims`,
      `is ${JSON.stringify(obj.dims)}, but the config's '${heatmap.name}' has [${heatmap.dims.join(', ')}]`,
    );
  }
  if (obj.threshold === undefined) problem(`${key}.threshold`, 'is required but missing');
  const threshold = checkNumber(obj.threshold, `${key}.threshold`);
  const minAreaFraction =
    obj.min_area_fraction === undefined
      ? 0
      : checkNumber(obj.min_area_fraction, `${key}.min_area_fraction`, PROBABILITY);
  return { threshold, minAreaFraction };
}

/**
 * `agreement_json` (gateway-defined; only with outputs_json.members): `min_members` (default: a strict
 * majority, ⌊M/2⌋ + 1) and `threshold` (a member agrees when its defect probability is ≥ it; default
 * fail_threshold).
 */
export function parseAgreement(
  params: ContractParameters,
  outputs: ContractOutputs,
  failThreshold: number,
): AgreementRules | undefined {
  const key = 'agreement_json';
  const obj = params.jsonObject(key);
  const members = outputs.members;
  if (members === undefined) {
    if (obj !== undefined) problem(key, 'is given but outputs_json has no members');
    return undefined;
  }
  const unknown = unknownKeys(obj ?? {}, ['min_members', 'threshold', 'note']);
  if (unknown.length > 0) problem(key, `unknown key(s) ${unknown.join(', ')}`);
  const minMembers =
    obj?.min_members === undefined
      ? Math.floor(members.length / 2) + 1
      : checkNumber(obj.min_members, `${key}.min_members`, { integer: true, min: 1, max: members.length });
  const threshold =
    obj?.threshold === undefined
      ? failThreshold
      : checkNumber(obj.threshold, `${key}.threshold`, PROBABILITY);
  return { minMembers, threshold };
}

/** `anomaly_review_threshold` (gateway-defined): needs outputs_json.anomaly_score. */
export function parseAnomalyReview(params: ContractParameters, outputs: ContractOutputs): number | undefined {
  const value = params.number('anomaly_review_threshold');
  if (value !== undefined && outputs.anomalyScore === undefined) {
    problem('anomaly_review_threshold', 'needs outputs_json.anomaly_score');
  }
  return value;
}
