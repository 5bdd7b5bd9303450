/**
 * Model configs for tests, as config.pbtxt text: a small renderer (the same text form the trainer's
 * repo_writer.py writes: string parameters, JSON for `_json` keys) and configs shaped exactly like the
 * trainer's `*_ensemble` configs (services/trainer/trainer/{visual,thermal,electrical}/export.py), with
 * made-up numbers. Tests parse the text with model-server's pbtxt parser.
 */
export type FakeTensor = [name: string, dataType: string, dims: number[]];

export interface FakeModelSpec {
  name: string;
  platform?: string;
  maxBatchSize?: number;
  inputs: FakeTensor[];
  outputs: FakeTensor[];
  /** Values: strings as they are, numbers/booleans as text, objects/lists as compact JSON. */
  parameters: Record<string, unknown>;
}

const quote = (s: string): string =>
  `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

export function parameterText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function renderConfig(spec: FakeModelSpec): string {
  const tensor = ([name, type, dims]: FakeTensor): string =>
    `  { name: ${quote(name)} data_type: ${type} dims: [ ${dims.join(', ')} ] }`;
  const lines = [
    `name: ${quote(spec.name)}`,
    `platform: ${quote(spec.platform ?? 'ensemble')}`,
    `max_batch_size: ${spec.maxBatchSize ?? 32}`,
    `input [\n${spec.inputs.map(tensor).join(',\n')}\n]`,
    `output [\n${spec.outputs.map(tensor).join(',\n')}\n]`,
  ];
  for (const [key, value] of Object.entries(spec.parameters)) {
    if (value === undefined) continue;
    lines.push(
      `parameters {\n  key: ${quote(key)}\n  value: { string_value: ${quote(parameterText(value))} }\n}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** A copy of `spec` with some parameters replaced (`undefined` removes the key). */
export function withParameters(spec: FakeModelSpec, changes: Record<string, unknown>): FakeModelSpec {
  const parameters = { ...spec.parameters };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete parameters[k];
    else parameters[k] = v;
  }
  return { ...spec, parameters };
}

const LEVELS = ['minor', 'major', 'critical'];
const MANIFEST = 'ab'.repeat(32);
const operatingPoint = {
  target_defect_recall: 0.98,
  max_false_reject_rate: 0.02,
  validation_escape_rate: 0.01,
};
const drift = { scores: { defect_probability: { n: 10, mean: 0.2 }, source: 'validation' } };

const VISUAL_CLASSES = ['Blowhole', 'Break', 'Crack', 'Fray', 'Free', 'Uneven'];
const VISUAL_DEFECTS = VISUAL_CLASSES.filter((c) => c !== 'Free');

/** Shaped like trainer/visual/export.py's visual_ensemble (256 × 256 input, 64 × 64 heatmap). */
export function trainerVisualSpec(): FakeModelSpec {
  return {
    name: 'visual_ensemble',
    inputs: [['IMAGE', 'TYPE_UINT8', [1, 256, 256]]],
    outputs: [
      ['PROBS', 'TYPE_FP32', [6]],
      ['DEFECT_PROB', 'TYPE_FP32', [1]],
      ['HEATMAP', 'TYPE_FP32', [1, 64, 64]],
    ],
    parameters: {
      modality: 'visual',
      training_manifest_sha256: MANIFEST,
      input_name: 'IMAGE',
      input_datatype: 'UINT8',
      input_layout: 'CHW',
      input_channels: 1,
      input_height: 256,
      input_width: 256,
      channel_order: 'GRAY',
      colourspace: 'b-w',
      resize_method: 'resize to input_height x input_width without keeping the aspect ratio',
      resize_fit: 'fill',
      resize_kernel: 'lanczos3',
      normalization: 'none (inside the model: (x - 120.0000) / 40.0000)',
      task: 'classification+localization',
      training_dataset: 'magnetic_tile',
      outputs_json: { probabilities: 'PROBS', defect_probability: 'DEFECT_PROB', heatmap: 'HEATMAP' },
      class_names_json: VISUAL_CLASSES,
      good_class: 'Free',
      defect_classes_json: VISUAL_DEFECTS,
      probabilities_calibrated: true,
      calibration_method: 'temperature scaling per member on validation, then weighted average',
      calibration_json: {
        applied_in_graph: true,
        method: 'temperature per member, weighted mean',
        members: {
          visual_segnet: { temperature: 1.3, weight: 0.5 },
          visual_patchnet: { temperature: 1.1, weight: 0.5 },
        },
      },
      class_thresholds_json: { Blowhole: 0.4, Break: 0.35, Crack: 0.3, Fray: 0.5, Uneven: 0.45 },
      review_threshold: 0.08,
      fail_threshold: 0.55,
      decision_rule: 'DEFECT_PROB = 1 - PROBS[Free]; fail if DEFECT_PROB >= fail_threshold; ...',
      operating_point_json: operatingPoint,
      heatmap_json: {
        output: 'HEATMAP',
        dims: [1, 64, 64],
        stride: 4,
        value: 'P(defect) per cell',
        threshold: 0.5,
        to_image_coordinates: 'cell (row r, col c) covers input pixels [4r, 4r+4) x [4c, 4c+4)',
        validation: { pixel_auroc_defect_images: 0.9, hottest_cell_on_defect: 0.8, n_images: 50 },
      },
      severity_rules_json: {
        per_class: {
          Break: 'critical',
          Crack: 'critical',
          Blowhole: 'major',
          Fray: 'major',
          Uneven: 'minor',
        },
        levels: LEVELS,
        escalate_one_level_if_heatmap_area_fraction_at_least: 0.05,
        heatmap_area: 'fraction of HEATMAP cells >= heatmap_json.threshold',
      },
      drift_reference_json: drift,
      validation_metrics_json: { n: 100, accuracy: 0.98 },
      model_version_note: 'components visual_segnet, visual_patchnet, visual_combiner version 1',
    },
  };
}

const THERMAL_CLASSES = [
  'Cell',
  'Cell-Multi',
  'Cracking',
  'Diode',
  'Diode-Multi',
  'Hot-Spot',
  'Hot-Spot-Multi',
  'No-Anomaly',
  'Offline-Module',
  'Shadowing',
  'Soiling',
  'Vegetation',
];

/** Shaped like trainer/thermal/export.py's thermal_ensemble (24 × 40 input, calibrated in the graph). */
export function trainerThermalSpec(): FakeModelSpec {
  const defects = THERMAL_CLASSES.filter((c) => c !== 'No-Anomaly');
  return {
    name: 'thermal_ensemble',
    maxBatchSize: 64,
    inputs: [['IMAGE', 'TYPE_UINT8', [1, 40, 24]]],
    outputs: [
      ['PROBS', 'TYPE_FP32', [12]],
      ['DEFECT_PROB', 'TYPE_FP32', [1]],
    ],
    parameters: {
      modality: 'thermal',
      training_manifest_sha256: MANIFEST,
      training_dataset: 'infrared_solar_modules',
      input_name: 'IMAGE',
      input_datatype: 'UINT8',
      input_layout: 'CHW',
      input_channels: 1,
      input_height: 40,
      input_width: 24,
      channel_order: 'GRAY',
      colourspace: 'b-w',
      resize_method: 'none',
      resize_fit: 'fill',
      resize_kernel: 'linear',
      normalization: 'none (inside the model: (x - 100.0000) / 30.0000)',
      task: 'classification',
      outputs_json: { probabilities: 'PROBS', defect_probability: 'DEFECT_PROB' },
      class_names_json: THERMAL_CLASSES,
      good_class: 'No-Anomaly',
      defect_classes_json: defects,
      probabilities_calibrated: true,
      calibration_method: 'temperature scaling on validation, applied inside thermal_postprocess',
      calibration_temperature: 1.42,
      calibration_json: { applied_in_graph: true, method: 'temperature', members: {} },
      class_thresholds_json: Object.fromEntries(defects.map((c) => [c, 0.3])),
      review_threshold: 0.1,
      fail_threshold: 0.6,
      decision_rule: 'DEFECT_PROB = 1 - PROBS[No-Anomaly]; ...',
      operating_point_json: operatingPoint,
      severity_rules_json: {
        per_class: { 'Offline-Module': 'critical', Diode: 'major', Cell: 'minor', Soiling: 'minor' },
        levels: LEVELS,
        escalate_one_level_if_probability_at_least: 0.9,
      },
      drift_reference_json: drift,
      validation_metrics_json: { n: 100 },
      model_version_note: 'components thermal_classifier and thermal_postprocess version 1',
    },
  };
}

/** Shaped like trainer/electrical/export.py's electrical_ensemble (590 features named by a pattern). */
export function trainerElectricalSpec(): FakeModelSpec {
  return {
    name: 'electrical_ensemble',
    maxBatchSize: 256,
    inputs: [['MEASUREMENTS', 'TYPE_FP32', [590]]],
    outputs: [
      ['PROBS', 'TYPE_FP32', [2]],
      ['FAIL_PROB', 'TYPE_FP32', [1]],
      ['DEFECT_PROB', 'TYPE_FP32', [1]],
      ['ANOMALY_SCORE', 'TYPE_FP32', [1]],
    ],
    parameters: {
      modality: 'electrical',
      training_manifest_sha256: MANIFEST,
      task: 'classification',
      training_dataset: 'secom',
      input_name: 'MEASUREMENTS',
      input_datatype: 'FP32',
      input_layout: 'N_FEATURES',
      input_features: 590,
      input_feature_names_json: { pattern: 'f{index}', first: 'f0', last: 'f589', note: 'UCI column order' },
      input_max_missing_fraction: 0.5,
      missing_value: 'NaN (send NaN for a missing measurement; imputation happens inside the model)',
      normalization: 'none (inside the model)',
      outputs_json: {
        probabilities: 'PROBS',
        defect_probability: 'FAIL_PROB',
        anomaly_score: 'ANOMALY_SCORE',
      },
      class_names_json: ['pass', 'fail'],
      good_class: 'pass',
      defect_classes_json: ['fail'],
      probabilities_calibrated: true,
      calibration_method: 'Platt scaling',
      calibration_temperature: 0.8,
      calibration_bias: -1.2,
      calibration_anomaly_weight: 0,
      calibration_json: {
        applied_in_graph: true,
        method: 'platt',
        temperature: 0.8,
        bias: -1.2,
        anomaly_weight: 0,
      },
      class_thresholds_json: { fail: 0.3 },
      review_threshold: 0.05,
      fail_threshold: 0.3,
      decision_rule: 'fail if FAIL_PROB >= fail_threshold; ...',
      operating_point_json: operatingPoint,
      severity_rules_json: {
        per_class: { fail: 'major' },
        levels: LEVELS,
        critical_if_fail_probability_at_least: 0.8,
      },
      drift_reference_json: drift,
      validation_metrics_json: { auroc: { mean: 0.8, sd: 0.02, n_folds: 15 } },
      model_version_note: 'components electrical_* version 1',
    },
  };
}
