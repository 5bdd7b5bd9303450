import { parseModelConfigText } from '../../../model-server/src/repository';
import { InternalError } from '../domain/errors';
import {
  renderConfig,
  trainerElectricalSpec,
  withParameters,
  type FakeModelSpec,
} from '../routing/fake-model-configs';
import { parseModelContract } from '../routing/model-contract';
import { decideInspection } from './decide-inspection';

const contractOf = (spec: FakeModelSpec) => parseModelContract(parseModelConfigText(renderConfig(spec)));
const f32 = (...values: number[]) => Float32Array.from(values);

/** Two members: A gives its defect probability [1], B its class probabilities [3] (good class first). */
const ENSEMBLE: FakeModelSpec = {
  name: 'member_ensemble',
  inputs: [['IMAGE', 'TYPE_UINT8', [1, 8, 8]]],
  outputs: [
    ['PROBS', 'TYPE_FP32', [3]],
    ['DEFECT_PROB', 'TYPE_FP32', [1]],
    ['MEMBER_A', 'TYPE_FP32', [1]],
    ['MEMBER_B', 'TYPE_FP32', [3]],
  ],
  parameters: {
    modality: 'thermal',
    input_name: 'IMAGE',
    input_datatype: 'UINT8',
    input_layout: 'CHW',
    input_channels: 1,
    input_height: 8,
    input_width: 8,
    channel_order: 'GRAY',
    resize_fit: 'fill',
    resize_kernel: 'nearest',
    outputs_json: {
      probabilities: 'PROBS',
      defect_probability: 'DEFECT_PROB',
      members: ['MEMBER_A', 'MEMBER_B'],
    },
    class_names_json: ['good', 'hot', 'crack'],
    good_class: 'good',
    probabilities_calibrated: true,
    review_threshold: 0.3,
    fail_threshold: 0.7,
  },
};

describe('decideInspection: ensemble member agreement', () => {
  const contract = contractOf(ENSEMBLE);
  const outputs = (memberA: number, memberBGood: number) => ({
    classScores: f32(0.2, 0.5, 0.3),
    defectProbability: f32(0.8),
    members: [f32(memberA), f32(memberBGood, 1 - memberBGood, 0)],
  });

  it('defaults to a strict majority of members, at the fail threshold', () => {
    expect(contract.agreement).toEqual({ minMembers: 2, threshold: 0.7 });
  });

  it('keeps a fail when enough members agree', () => {
    // A: 0.9; B: 1 − 0.2 = 0.8; both ≥ 0.7.
    const out = decideInspection(contract, outputs(0.9, 0.2));
    expect(out.decision).toBe('fail');
    expect(out.agreement).toEqual({
      agreeing: 2,
      members: 2,
      required: 2,
      memberDefectProbabilities: [expect.closeTo(0.9, 6), expect.closeTo(0.8, 6)],
    });
  });

  it('downgrades a fail that too few members support to review', () => {
    // B: 1 − 0.5 = 0.5 < 0.7.
    const out = decideInspection(contract, outputs(0.9, 0.5));
    expect(out.decision).toBe('review');
    expect(out.adjustments).toEqual([
      {
        reason: 'member_disagreement',
        from: 'fail',
        to: 'review',
        detail: '1 of 2 members ≥ 0.7, 2 required',
      },
    ]);
    expect(out.defects.map((d) => d.class)).toEqual(['hot']);
  });

  it('follows min_members and threshold from agreement_json', () => {
    const lenient = contractOf(
      withParameters(ENSEMBLE, { agreement_json: { min_members: 1, threshold: 0.85 } }),
    );
    expect(decideInspection(lenient, outputs(0.9, 0.5)).decision).toBe('fail');
    expect(decideInspection(lenient, outputs(0.8, 0.5)).decision).toBe('review');
  });

  it('never turns a review or a pass into something else', () => {
    const review = { ...outputs(0, 1), defectProbability: f32(0.5) };
    expect(decideInspection(contract, review).decision).toBe('review');
    const pass = { ...outputs(0, 1), defectProbability: f32(0.1) };
    expect(decideInspection(contract, pass).decision).toBe('pass');
  });

  it('requires every member output', () => {
    expect(() => decideInspection(contract, { ...outputs(0.9, 0.2), members: [f32(0.9)] })).toThrow(
      InternalError,
    );
  });
});

describe('decideInspection: electrical anomaly review', () => {
  const contract = contractOf(withParameters(trainerElectricalSpec(), { anomaly_review_threshold: 16 }));
  const run = (failProb: number, anomaly: number) =>
    decideInspection(contract, {
      classScores: f32(1 - failProb, failProb),
      defectProbability: f32(failProb),
      anomalyScore: f32(anomaly),
    });

  it('reports the anomaly score and sends an unusual pass to review', () => {
    const usual = run(0.01, 3);
    expect([usual.decision, usual.anomalyScore]).toEqual(['pass', 3]);
    const unusual = run(0.01, 16);
    expect(unusual.decision).toBe('review');
    expect(unusual.adjustments.map((a) => a.reason)).toEqual(['anomaly_score']);
    expect(unusual.defects).toEqual([
      { class: 'fail', confidence: expect.closeTo(0.01, 6), severity: 'major' },
    ]);
  });

  it('uses FAIL_PROB as the defect probability and its critical rule', () => {
    const out = run(0.85, 0);
    expect(out.decision).toBe('fail');
    expect(out.defectProbability).toBeCloseTo(0.85, 6);
    expect(out.defects.map((d) => d.severity)).toEqual(['critical']); // 0.85 ≥ 0.8
    expect(run(0.5, 0).defects.map((d) => d.severity)).toEqual(['major']);
  });

  it('without anomaly_review_threshold the score is only reported', () => {
    const plain = contractOf(trainerElectricalSpec());
    const out = decideInspection(plain, {
      classScores: f32(0.99, 0.01),
      defectProbability: f32(0.01),
      anomalyScore: f32(1e6),
    });
    expect([out.decision, out.anomalyScore]).toEqual(['pass', 1e6]);
  });
});
