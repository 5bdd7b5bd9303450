import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseModelConfigText } from '../../../model-server/src/repository';
import { canonicalHash } from './config-hash';
import {
  renderConfig,
  trainerElectricalSpec,
  trainerThermalSpec,
  withParameters,
  trainerVisualSpec,
} from './fake-model-configs';
import { parseModelContract } from './model-contract';
import { ModelContractError } from './model-contract-error';

const FIXTURES = path.resolve(__dirname, '../../../../tests/fixtures/gateway_repository');
const fixtureConfig = (model: string) =>
  parseModelConfigText(fs.readFileSync(path.join(FIXTURES, model, 'config.pbtxt'), 'utf8'));

describe('parseModelContract on the gateway fixture repository', () => {
  it('derives the visual fixture contract: image spec, outputs, members, localization', () => {
    const c = parseModelContract(fixtureConfig('visual_fixture'), undefined, '1');
    expect(c).toMatchObject({
      model: 'visual_fixture',
      version: '1',
      modality: 'visual',
      maxBatchSize: 32,
      input: { name: 'IMAGE', datatype: 'UINT8', dims: [1, 64, 64] },
      image: {
        width: 64,
        height: 64,
        channels: 1,
        channelOrder: 'GRAY',
        layout: 'CHW',
        datatype: 'UINT8',
        resizeFit: 'fill',
        resizeKernel: 'linear',
      },
      classes: ['Free', 'Crack', 'Blowhole'],
      goodClass: 'Free',
      defectClasses: ['Crack', 'Blowhole'],
      calibration: { inGraph: true, temperature: 1 },
      thresholds: { Crack: 0.25, Blowhole: 0.25 },
      classThresholdsEscalate: false,
      reviewThreshold: 0.2,
      failThreshold: 0.6,
      severity: {
        perClass: { Crack: 'major', Blowhole: 'minor' },
        defaultLevel: 'major',
        escalateIfAreaFractionAtLeast: 0.1,
      },
      localization: { threshold: 0.5, minAreaFraction: 0.02 },
      agreement: { minMembers: 2, threshold: 0.6 },
    });
    expect(c.outputs.classScores).toEqual({ name: 'PROBS', dims: [3], size: 3, holds: 'probabilities' });
    expect(c.outputs.defectProbability).toEqual({ name: 'DEFECT_PROB', dims: [1], size: 1 });
    expect(c.outputs.heatmap).toEqual({
      name: 'HEATMAP',
      dims: [1, 16, 16],
      size: 256,
      height: 16,
      width: 16,
    });
    expect(c.outputs.members?.map((m) => [m.name, m.holds])).toEqual([
      ['MEMBER_FINE', 'defect_probability'],
      ['MEMBER_COARSE', 'defect_probability'],
    ]);
    expect(c.trainingManifestSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(c.driftReference).toEqual({
      scores: { defect_probability: { mean: 0.1, std: 0.2 } },
      source: 'fixture',
    });
    expect(c.preprocessingSpec).toEqual({
      modality: 'visual',
      input: { name: 'IMAGE', datatype: 'UINT8', dims: [1, 64, 64] },
      image: {
        width: 64,
        height: 64,
        channels: 1,
        channelOrder: 'GRAY',
        layout: 'CHW',
        datatype: 'UINT8',
        resizeFit: 'fill',
        resizeKernel: 'linear',
        modelNormalization: 'none (inside the model: x / 255)',
      },
    });
  });

  it('derives the thermal fixture contract: the gateway calibrates the logits with T = 2', () => {
    const c = parseModelContract(fixtureConfig('thermal_fixture'));
    expect(c.version).toBeUndefined();
    expect(c.image).toMatchObject({ width: 24, height: 40, channels: 1 });
    expect(c.calibration).toEqual({ inGraph: false, temperature: 2 });
    expect(c.outputs.classScores).toMatchObject({ name: 'LOGITS', holds: 'logits' });
    expect(c.outputs.defectProbability).toBeUndefined();
    expect(c.goodClass).toBe('No-Anomaly');
    expect(c.severity.escalateIfProbabilityAtLeast).toBe(0.95);
    expect(c.localization).toBeUndefined();
  });

  it('derives the electrical fixture contract: features, anomaly review, critical rule', () => {
    const c = parseModelContract(fixtureConfig('electrical_fixture'));
    expect(c.image).toBeUndefined();
    expect(c.electrical).toEqual({
      featureCount: 8,
      featureNames: ['v_supply', 'i_supply', 't_die', 'f_osc', 'leak_a', 'leak_b', 'gain', 'offset'],
    });
    expect(c.input).toEqual({ name: 'MEASUREMENTS', datatype: 'FP32', dims: [8] });
    expect(c.outputs.anomalyScore).toEqual({ name: 'ANOMALY_SCORE', dims: [1], size: 1 });
    expect(c.anomalyReviewThreshold).toBe(16);
    expect(c.severity.criticalIfDefectProbabilityAtLeast).toBe(0.9);
    expect(c.preprocessingSpec.electrical).toMatchObject({ featureCount: 8, missingValue: 'NaN' });
  });

  it('hashes the canonical JSON of the config', () => {
    const config = fixtureConfig('thermal_fixture');
    const c = parseModelContract(config);
    expect(c.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(c.configHash).toBe(canonicalHash(config));
    const reordered = Object.fromEntries(Object.entries(config).reverse()) as typeof config;
    expect(parseModelContract(reordered).configHash).toBe(c.configHash);
    const changed = { ...config, max_batch_size: 16 };
    expect(parseModelContract(changed).configHash).not.toBe(c.configHash);
  });
});

describe('parseModelContract on configs shaped like the trainer writes them', () => {
  it('visual_ensemble: 6 classes, 64 × 64 heatmap, severity by heatmap area', () => {
    const c = parseModelContract(parseModelConfigText(renderConfig(trainerVisualSpec())));
    expect(c.image).toMatchObject({ width: 256, height: 256, resizeFit: 'fill', resizeKernel: 'lanczos3' });
    expect(c.outputs.heatmap).toMatchObject({ height: 64, width: 64 });
    expect(c.localization).toEqual({ threshold: 0.5, minAreaFraction: 0 });
    expect(c.defectClasses).toEqual(['Blowhole', 'Break', 'Crack', 'Fray', 'Uneven']);
    expect(c.severity.perClass.Crack).toBe('critical');
    expect(c.severity.escalateIfAreaFractionAtLeast).toBe(0.05);
    expect(c.agreement).toBeUndefined();
  });

  it('thermal_ensemble: calibrated in the graph, so its calibration_temperature is informational', () => {
    const c = parseModelContract(parseModelConfigText(renderConfig(trainerThermalSpec())));
    expect(c.calibration).toEqual({ inGraph: true, temperature: 1.42 });
    expect(c.maxBatchSize).toBe(64);
    expect(c.thresholds['Offline-Module']).toBe(0.3);
    expect(c.severity.perClass['Offline-Module']).toBe('critical');
    expect(c.severity.perClass['Hot-Spot']).toBeUndefined();
  });

  it('electrical_ensemble: 590 features named by the f{index} pattern, FAIL_PROB as defect probability', () => {
    const c = parseModelContract(parseModelConfigText(renderConfig(trainerElectricalSpec())));
    expect(c.electrical?.featureCount).toBe(590);
    expect(c.electrical?.featureNames?.slice(0, 2)).toEqual(['f0', 'f1']);
    expect(c.electrical?.featureNames?.[589]).toBe('f589');
    expect(c.outputs.defectProbability?.name).toBe('FAIL_PROB');
    expect(c.outputs.anomalyScore?.name).toBe('ANOMALY_SCORE');
    expect(c.anomalyReviewThreshold).toBeUndefined();
    expect(c.severity.criticalIfDefectProbabilityAtLeast).toBe(0.8);
    expect(c.electrical?.maxMissingFraction).toBe(0.5);
  });

  it.each([
    ['input_min_pixel_std', 'minPixelStd', 0.88, [-1]],
    ['input_min_source_side', 'minSourceSide', 12, [0, 2.5]],
  ] as const)(
    'images: %s is optional, checked, and refused on electrical models',
    (key, field, good, bads) => {
      const config = (spec: ReturnType<typeof trainerThermalSpec>, value: unknown) =>
        parseModelConfigText(renderConfig(withParameters(spec, { [key]: value })));
      expect(parseModelContract(config(trainerThermalSpec(), good))[field]).toBe(good);
      expect(parseModelContract(config(trainerThermalSpec(), undefined))[field]).toBeUndefined();
      for (const bad of bads) {
        expect(() => parseModelContract(config(trainerThermalSpec(), bad))).toThrow(key);
      }
      expect(() => parseModelContract(config(trainerElectricalSpec(), good))).toThrow(
        new RegExp(`${key}.*image models only`),
      );
    },
  );

  it('electrical: input_max_missing_fraction is optional and must lie in (0, 1]', () => {
    const withLimit = (value: unknown) => {
      const spec = trainerElectricalSpec();
      if (value === undefined) delete spec.parameters.input_max_missing_fraction;
      else spec.parameters.input_max_missing_fraction = value;
      return parseModelConfigText(renderConfig(spec));
    };
    expect(parseModelContract(withLimit(undefined)).electrical?.maxMissingFraction).toBeUndefined();
    expect(parseModelContract(withLimit(1)).electrical?.maxMissingFraction).toBe(1);
    for (const bad of [0, 1.5, 'half']) {
      expect(() => parseModelContract(withLimit(bad))).toThrow(/input_max_missing_fraction/);
    }
  });
});

describe('parseModelContract with ModelMetadata', () => {
  const config = () => fixtureConfig('thermal_fixture');
  const metadata = (inputShape: number[], outputType = 'FP32') => ({
    inputs: [{ name: 'IMAGE', datatype: 'UINT8', shape: inputShape }],
    outputs: [{ name: 'LOGITS', datatype: outputType, shape: [-1, 3] }],
  });

  it('accepts metadata that matches the config (batch dimension -1 first)', () => {
    expect(parseModelContract(config(), metadata([-1, 1, 40, 24])).input.dims).toEqual([1, 40, 24]);
  });

  it('rejects metadata whose shapes or datatypes disagree with the config', () => {
    expect(() => parseModelContract(config(), metadata([-1, 1, 24, 40]))).toThrow(
      /metadata.inputs.*'IMAGE' has shape/,
    );
    expect(() => parseModelContract(config(), metadata([-1, 1, 40, 24], 'FP16'))).toThrow(
      /metadata.outputs.*'LOGITS' is FP16/,
    );
    const missing = { inputs: [], outputs: [] };
    expect(() => parseModelContract(config(), missing)).toThrow(ModelContractError);
  });
});
