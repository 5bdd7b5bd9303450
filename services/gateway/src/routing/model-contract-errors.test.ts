import { parseModelConfigText } from '../../../model-server/src/repository';
import {
  renderConfig,
  trainerElectricalSpec,
  trainerThermalSpec,
  trainerVisualSpec,
  withParameters,
  type FakeModelSpec,
  type FakeTensor,
} from './fake-model-configs';
import { parseModelContract } from './model-contract';
import { ModelContractError } from './model-contract-error';

/** Parses a spec and returns the ModelContractError it must raise. */
function contractError(spec: FakeModelSpec): ModelContractError {
  try {
    parseModelContract(parseModelConfigText(renderConfig(spec)));
  } catch (err) {
    if (err instanceof ModelContractError) return err;
    throw err;
  }
  throw new Error('expected a ModelContractError');
}

/** The trainer-shaped visual ensemble plus two member outputs and an agreement rule. */
function visualWithMembers(): FakeModelSpec {
  const spec = trainerVisualSpec();
  return withParameters(
    {
      ...spec,
      outputs: [...spec.outputs, ['MEMBER_A', 'TYPE_FP32', [1]], ['MEMBER_B', 'TYPE_FP32', [6]]],
    },
    {
      outputs_json: {
        probabilities: 'PROBS',
        defect_probability: 'DEFECT_PROB',
        heatmap: 'HEATMAP',
        members: ['MEMBER_A', 'MEMBER_B'],
      },
      agreement_json: { min_members: 2 },
    },
  );
}

const visual = (changes: Record<string, unknown>) => withParameters(visualWithMembers(), changes);
const electrical = (changes: Record<string, unknown>) => withParameters(trainerElectricalSpec(), changes);
const heatmapJson = (changes: Record<string, unknown>) => ({
  ...(trainerVisualSpec().parameters.heatmap_json as object),
  ...changes,
});

describe('parseModelContract: every missing or bad key is a ModelContractError naming it', () => {
  it('accepts the unmodified test configs', () => {
    for (const spec of [visualWithMembers(), trainerThermalSpec(), trainerElectricalSpec()]) {
      expect(() => parseModelContract(parseModelConfigText(renderConfig(spec)))).not.toThrow();
    }
  });

  const cases: [string, FakeModelSpec, string][] = [
    ['no modality', visual({ modality: undefined }), 'modality'],
    ['unknown modality', visual({ modality: 'acoustic' }), 'modality'],
    ['input_name not an input', visual({ input_name: 'PIXELS' }), 'input_name'],
    [
      'input_datatype disagrees with the config',
      visual({
        input_datatype: 'FP32',
        normalization_mean: '[0]',
        normalization_std: '[1]',
        normalization_scale: '1',
      }),
      'input_datatype',
    ],
    ['input_height disagrees with the dims', visual({ input_height: 128 }), 'input_height'],
    ['HWC layout for CHW dims', visual({ input_layout: 'HWC' }), 'input_channels'],
    ['no input_layout', visual({ input_layout: undefined }), 'input_layout'],
    ['RGB order for one channel', visual({ channel_order: 'RGB' }), 'channel_order'],
    ['unknown resize_fit', visual({ resize_fit: 'stretch' }), 'resize_fit'],
    ['no resize_kernel', visual({ resize_kernel: undefined }), 'resize_kernel'],
    ['no class_names_json', visual({ class_names_json: undefined }), 'class_names_json'],
    ['class_names_json not JSON', visual({ class_names_json: '[Free, Crack' }), 'class_names_json'],
    [
      'duplicate class names',
      visual({ class_names_json: ['Free', 'Free', 'a', 'b', 'c', 'd'] }),
      'class_names_json',
    ],
    [
      'fewer classes than PROBS values',
      visual({
        class_names_json: ['Blowhole', 'Break', 'Crack', 'Fray', 'Free'],
        defect_classes_json: undefined,
        class_thresholds_json: undefined,
        severity_rules_json: undefined,
      }),
      'outputs_json.probabilities',
    ],
    ['good_class not a class', visual({ good_class: 'Good' }), 'good_class'],
    [
      'good class listed as a defect',
      visual({ defect_classes_json: ['Free', 'Crack'] }),
      'defect_classes_json',
    ],
    [
      'probabilities_calibrated not a boolean',
      visual({ probabilities_calibrated: 'yes' }),
      'probabilities_calibrated',
    ],
    [
      'calibration not stated',
      visual({ probabilities_calibrated: undefined, calibration_json: undefined }),
      'probabilities_calibrated',
    ],
    ['calibration flags disagree', visual({ probabilities_calibrated: false }), 'probabilities_calibrated'],
    [
      'gateway calibration without a temperature',
      visual({
        probabilities_calibrated: false,
        calibration_json: undefined,
        outputs_json: { logits: 'PROBS', heatmap: 'HEATMAP' },
      }),
      'calibration_temperature',
    ],
    [
      'gateway calibration with a non-positive temperature',
      visual({
        probabilities_calibrated: false,
        calibration_json: undefined,
        calibration_temperature: 0,
        outputs_json: { logits: 'PROBS' },
      }),
      'calibration_temperature',
    ],
    [
      'gateway calibration by another method',
      visual({
        probabilities_calibrated: false,
        calibration_json: { method: 'platt' },
        calibration_temperature: 2,
        outputs_json: { logits: 'PROBS' },
      }),
      'calibration_json.method',
    ],
    [
      'logits role while calibrated in the graph',
      visual({ outputs_json: { logits: 'PROBS', probabilities: 'PROBS' } }),
      'outputs_json.logits',
    ],
    ['no outputs_json', visual({ outputs_json: undefined }), 'outputs_json'],
    [
      'probabilities output does not exist',
      visual({ outputs_json: { probabilities: 'SCORES' } }),
      'outputs_json.probabilities',
    ],
    [
      'defect_probability output of the wrong size',
      visual({ outputs_json: { probabilities: 'PROBS', defect_probability: 'PROBS' } }),
      'outputs_json.defect_probability',
    ],
    [
      'neither defect_probability nor good_class',
      visual({ good_class: undefined, outputs_json: { probabilities: 'PROBS' } }),
      'good_class',
    ],
    ['no review_threshold', visual({ review_threshold: undefined }), 'review_threshold'],
    ['review above fail', visual({ review_threshold: 0.9 }), 'review_threshold'],
    ['fail_threshold above 1', visual({ fail_threshold: 1.5 }), 'fail_threshold'],
    ['fail_threshold not a number', visual({ fail_threshold: 'high' }), 'fail_threshold'],
    [
      'class threshold for an unknown class',
      visual({ class_thresholds_json: { Scratch: 0.5 } }),
      'class_thresholds_json.Scratch',
    ],
    [
      'class threshold not a number',
      visual({ class_thresholds_json: { Crack: 'high' } }),
      'class_thresholds_json.Crack',
    ],
    [
      'class_thresholds_escalate not a boolean',
      visual({ class_thresholds_escalate: 'maybe' }),
      'class_thresholds_escalate',
    ],
    [
      'unknown severity level',
      visual({ severity_rules_json: { per_class: { Crack: 'severe' } } }),
      'severity_rules_json.per_class.Crack',
    ],
    [
      'severity for an unknown class',
      visual({ severity_rules_json: { per_class: { Scratch: 'minor' } } }),
      'severity_rules_json.per_class.Scratch',
    ],
    [
      'unknown severity rule',
      visual({ severity_rules_json: { escalate_if_lot_is_bad: 0.5 } }),
      'severity_rules_json',
    ],
    [
      'other severity levels',
      visual({ severity_rules_json: { levels: ['low', 'high'] } }),
      'severity_rules_json.levels',
    ],
    [
      'severity threshold above 1',
      visual({ severity_rules_json: { escalate_one_level_if_probability_at_least: 2 } }),
      'severity_rules_json.escalate_one_level_if_probability_at_least',
    ],
    [
      'area escalation without a heatmap',
      withParameters(trainerThermalSpec(), {
        severity_rules_json: { escalate_one_level_if_heatmap_area_fraction_at_least: 0.1 },
      }),
      'severity_rules_json.escalate_one_level_if_heatmap_area_fraction_at_least',
    ],
    ['heatmap without heatmap_json', visual({ heatmap_json: undefined }), 'heatmap_json'],
    [
      'heatmap_json without threshold',
      visual({ heatmap_json: heatmapJson({ threshold: undefined }) }),
      'heatmap_json.threshold',
    ],
    [
      'min_area_fraction above 1',
      visual({ heatmap_json: heatmapJson({ min_area_fraction: 2 }) }),
      'heatmap_json.min_area_fraction',
    ],
    [
      'heatmap_json dims disagree',
      visual({ heatmap_json: heatmapJson({ dims: [1, 32, 32] }) }),
      'heatmap_json.dims',
    ],
    [
      'heatmap_json names another output',
      visual({ heatmap_json: heatmapJson({ output: 'HEAT' }) }),
      'heatmap_json.output',
    ],
    [
      'heatmap_json without a heatmap output',
      withParameters(trainerThermalSpec(), { heatmap_json: { threshold: 0.5 } }),
      'heatmap_json',
    ],
    [
      'member output of the wrong size',
      visual({
        outputs_json: { probabilities: 'PROBS', defect_probability: 'DEFECT_PROB', members: ['HEATMAP'] },
        heatmap_json: undefined,
      }),
      'outputs_json.members',
    ],
    [
      'more agreeing members required than exist',
      visual({ agreement_json: { min_members: 3 } }),
      'agreement_json.min_members',
    ],
    [
      'agreement without members',
      withParameters(trainerThermalSpec(), { agreement_json: { min_members: 1 } }),
      'agreement_json',
    ],
    [
      'anomaly review without an anomaly output',
      visual({ anomaly_review_threshold: 5 }),
      'anomaly_review_threshold',
    ],
    ['manifest hash not hex', visual({ training_manifest_sha256: 'abc' }), 'training_manifest_sha256'],
    ['drift reference not JSON', visual({ drift_reference_json: '{"scores": ' }), 'drift_reference_json'],
    ['empty parameter value', visual({ decision_rule: ' ' }), 'decision_rule'],
    ['input_features disagree with the dims', electrical({ input_features: 500 }), 'input_features'],
    [
      'feature name list of the wrong length',
      electrical({ input_feature_names_json: ['a', 'b'] }),
      'input_feature_names_json',
    ],
    [
      'feature name pattern with a wrong last name',
      electrical({ input_feature_names_json: { pattern: 'f{index}', last: 'f590' } }),
      'input_feature_names_json.last',
    ],
    [
      'feature name pattern without {index}',
      electrical({ input_feature_names_json: { pattern: 'f' } }),
      'input_feature_names_json.pattern',
    ],
  ];

  it.each(cases.map(([label, spec, key]) => [label, key, spec] as const))('%s → %s', (_label, key, spec) => {
    const err = contractError(spec);
    expect(err.keys).toContain(key);
    expect(err.model).toBe(spec.name);
    expect(err.message).toContain(`model '${spec.name}'`);
    expect(err.message).toContain(key);
  });

  it('rejects input and output tensors of types the gateway cannot use', () => {
    const spec = trainerVisualSpec();
    const intInput: FakeModelSpec = { ...spec, inputs: [['IMAGE', 'TYPE_INT32', [1, 256, 256]]] };
    expect(contractError(intInput).keys).toContain('input');
    const fp16: FakeTensor = ['PROBS', 'TYPE_FP16', [6]];
    const halfProbs: FakeModelSpec = {
      ...spec,
      outputs: spec.outputs.map((o) => (o[0] === 'PROBS' ? fp16 : o)),
    };
    expect(contractError(halfProbs).keys).toContain('outputs_json.probabilities');
    const twoInputs: FakeModelSpec = { ...spec, inputs: [...spec.inputs, ['MASK', 'TYPE_UINT8', [1]]] };
    expect(contractError(twoInputs).keys).toContain('input');
  });

  it('lists every problem at once', () => {
    const err = contractError(
      visual({ modality: undefined, review_threshold: undefined, resize_fit: undefined }),
    );
    expect(err.keys).toEqual(expect.arrayContaining(['modality', 'review_threshold']));
    expect(err.problems.length).toBeGreaterThanOrEqual(2);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ModelContractError');
  });
});
