/**
 * The output half of the contract: which output tensor plays which role (`outputs_json`), the class list,
 * the good/defect classes and where calibration happens. Every named output must exist in the config as
 * FP32 with the dims its role needs.
 */
import type { ModelConfig } from '@defect-gateway/proto';
import { checkString, checkStringList, type ContractParameters } from './contract-parameters';
import type { ContractOutputs, HeatmapOutput, MemberOutput, OutputRef } from './contract-types';
import { problem } from './model-contract-error';

export interface ContractClasses {
  classes: string[];
  goodClass?: string;
  defectClasses: string[];
}

export interface ContractCalibration {
  inGraph: boolean;
  temperature: number;
}

const product = (dims: readonly number[]): number => dims.reduce((n, d) => n * d, 1);

function outputRef(config: ModelConfig, key: string, name: string): OutputRef {
  const out = (config.output ?? []).find((o) => o.name === name);
  if (out === undefined) {
    const names = (config.output ?? []).map((o) => o.name).join(', ');
    problem(key, `names output '${name}', but the config's outputs are [${names}]`);
  }
  if (String(out.data_type) !== 'TYPE_FP32')
    problem(key, `output '${name}' is ${out.data_type}, expected TYPE_FP32`);
  const dims = out.dims.map(Number);
  if (dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    problem(key, `output '${name}' must have fixed positive dims, got [${dims.join(', ')}]`);
  }
  return { name, dims, size: product(dims) };
}

function expectSize(ref: OutputRef, key: string, size: number, what: string): void {
  if (ref.dims.length !== 1 || ref.size !== size) {
    problem(key, `output '${ref.name}' must have dims [${size}] (${what}), got [${ref.dims.join(', ')}]`);
  }
}

export function parseClasses(params: ContractParameters): ContractClasses {
  const value = params.json('class_names_json');
  if (value === undefined) problem('class_names_json', 'is required but missing');
  const classes = checkStringList(value, 'class_names_json', { nonEmpty: true });
  const goodClass = params.raw('good_class')?.trim();
  if (goodClass !== undefined && !classes.includes(goodClass)) {
    problem('good_class', `'${goodClass}' is not in class_names_json [${classes.join(', ')}]`);
  }
  const listed = params.json('defect_classes_json');
  let defectClasses: string[];
  if (listed === undefined) {
    defectClasses = classes.filter((c) => c !== goodClass);
  } else {
    defectClasses = checkStringList(listed, 'defect_classes_json', { nonEmpty: true });
    for (const c of defectClasses) {
      if (!classes.includes(c)) problem('defect_classes_json', `'${c}' is not in class_names_json`);
      if (c === goodClass) problem('defect_classes_json', `lists the good class '${c}'`);
    }
  }
  if (defectClasses.length === 0) problem('defect_classes_json', 'there must be at least one defect class');
  return goodClass === undefined ? { classes, defectClasses } : { classes, goodClass, defectClasses };
}

/**
 * `probabilities_calibrated` (or `calibration_json.applied_in_graph`; they must agree when both are given).
 * When false, `calibration_temperature` is required and the gateway computes softmax(logits / T).
 */
export function parseCalibration(params: ContractParameters): ContractCalibration {
  const flag = params.boolean('probabilities_calibrated');
  const cal = params.jsonObject('calibration_json');
  const applied = cal?.applied_in_graph;
  if (applied !== undefined && typeof applied !== 'boolean') {
    problem('calibration_json.applied_in_graph', `must be true or false, got ${JSON.stringify(applied)}`);
  }
  if (flag !== undefined && applied !== undefined && flag !== applied) {
    problem('probabilities_calibrated', `is ${flag}, but calibration_json.applied_in_graph is ${applied}`);
  }
  const inGraph = flag ?? applied;
  if (inGraph === undefined) {
    problem(
      'probabilities_calibrated',
      'is required (true: calibrated in the graph; false: the gateway applies T)',
    );
  }
  const temperature = params.number('calibration_temperature', { above: 0 });
  if (!inGraph) {
    if (temperature === undefined)
      problem('calibration_temperature', 'is required when probabilities_calibrated is false');
    const method = cal?.method;
    if (method !== undefined && method !== 'temperature') {
      problem(
        'calibration_json.method',
        `the gateway applies only 'temperature' scaling, got ${JSON.stringify(method)}`,
      );
    }
  }
  return { inGraph, temperature: temperature ?? 1 };
}

/** `outputs_json`: roles → output names. Unknown roles are ignored (documented). */
export function parseOutputs(
  config: ModelConfig,
  params: ContractParameters,
  classes: ContractClasses,
  calibration: ContractCalibration,
): ContractOutputs {
  const map = params.jsonObject('outputs_json');
  if (map === undefined) problem('outputs_json', 'is required but missing');
  const name = (role: string): string | undefined =>
    map[role] === undefined ? undefined : checkString(map[role], `outputs_json.${role}`);
  const count = classes.classes.length;

  const scoresRole = calibration.inGraph ? 'probabilities' : 'logits';
  const otherRole = calibration.inGraph ? 'logits' : 'probabilities';
  if (map[otherRole] !== undefined) {
    problem(
      `outputs_json.${otherRole}`,
      `is not allowed when probabilities_calibrated is ${calibration.inGraph}`,
    );
  }
  const scoresName = name(scoresRole);
  if (scoresName === undefined) problem(`outputs_json.${scoresRole}`, 'is required but missing');
  const scores = outputRef(config, `outputs_json.${scoresRole}`, scoresName);
  expectSize(scores, `outputs_json.${scoresRole}`, count, `one value per class in class_names_json`);
  const outputs: ContractOutputs = { classScores: { ...scores, holds: scoresRole } };

  const defectName = name('defect_probability');
  if (defectName !== undefined) {
    if (!calibration.inGraph) {
      problem(
        'outputs_json.defect_probability',
        'is not allowed when the gateway calibrates (it uses 1 − P(good))',
      );
    }
    outputs.defectProbability = outputRef(config, 'outputs_json.defect_probability', defectName);
    expectSize(outputs.defectProbability, 'outputs_json.defect_probability', 1, 'one probability');
  } else if (classes.goodClass === undefined) {
    problem(
      'good_class',
      'is required when outputs_json has no defect_probability (defect probability = 1 − P(good))',
    );
  }

  const anomalyName = name('anomaly_score');
  if (anomalyName !== undefined) {
    outputs.anomalyScore = outputRef(config, 'outputs_json.anomaly_score', anomalyName);
    expectSize(outputs.anomalyScore, 'outputs_json.anomaly_score', 1, 'one score');
  }

  const heatmapName = name('heatmap');
  if (heatmapName !== undefined) outputs.heatmap = heatmapOutput(config, heatmapName);

  if (map.members !== undefined) {
    outputs.members = memberOutputs(config, map.members, count, classes.goodClass);
  }
  return outputs;
}

function heatmapOutput(config: ModelConfig, name: string): HeatmapOutput {
  const ref = outputRef(config, 'outputs_json.heatmap', name);
  const dims = ref.dims.length === 3 && ref.dims[0] === 1 ? ref.dims.slice(1) : ref.dims;
  const [height, width] = dims;
  if (dims.length !== 2 || height === undefined || width === undefined) {
    problem(
      'outputs_json.heatmap',
      `output '${name}' must have dims [1, h, w] or [h, w], got [${ref.dims.join(', ')}]`,
    );
  }
  return { ...ref, height, width };
}

function memberOutputs(
  config: ModelConfig,
  value: unknown,
  classCount: number,
  goodClass: string | undefined,
): MemberOutput[] {
  const key = 'outputs_json.members';
  const names = checkStringList(value, key, { nonEmpty: true });
  return names.map((n) => {
    const ref = outputRef(config, key, n);
    if (ref.dims.length === 1 && ref.size === 1) return { ...ref, holds: 'defect_probability' };
    if (ref.dims.length === 1 && ref.size === classCount) {
      if (goodClass === undefined)
        problem(key, `member '${n}' holds class probabilities; that needs good_class`);
      return { ...ref, holds: 'class_probabilities' };
    }
    return problem(
      key,
      `member output '${n}' must have dims [1] or [${classCount}], got [${ref.dims.join(', ')}]`,
    );
  });
}
