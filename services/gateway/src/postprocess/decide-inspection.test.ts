import { parseModelConfigText } from '../../../model-server/src/repository';
import { InternalError } from '../domain/errors';
import { renderConfig, withParameters, type FakeModelSpec } from '../routing/fake-model-configs';
import { parseModelContract } from '../routing/model-contract';
import { bandDecision, decideInspection } from './decide-inspection';

const contractOf = (spec: FakeModelSpec) => parseModelContract(parseModelConfigText(renderConfig(spec)));
const f32 = (...values: number[]) => Float32Array.from(values);

/** 3 classes, calibrated in the graph, P(defect) = 1 − P(ok); a 4 × 4 heatmap over an 8 × 8 input. */
const SMALL: FakeModelSpec = {
  name: 'small_visual',
  platform: 'onnxruntime_onnx',
  inputs: [['IMAGE', 'TYPE_UINT8', [1, 8, 8]]],
  outputs: [
    ['PROBS', 'TYPE_FP32', [3]],
    ['HEATMAP', 'TYPE_FP32', [1, 4, 4]],
  ],
  parameters: {
    modality: 'visual',
    input_name: 'IMAGE',
    input_datatype: 'UINT8',
    input_layout: 'CHW',
    input_channels: 1,
    input_height: 8,
    input_width: 8,
    channel_order: 'GRAY',
    resize_fit: 'fill',
    resize_kernel: 'linear',
    outputs_json: { probabilities: 'PROBS', heatmap: 'HEATMAP' },
    class_names_json: ['ok', 'scratch', 'dent'],
    good_class: 'ok',
    probabilities_calibrated: true,
    class_thresholds_json: { scratch: 0.2, dent: 0.5 },
    review_threshold: 0.3,
    fail_threshold: 0.7,
    severity_rules_json: {
      per_class: { scratch: 'minor', dent: 'major' },
      escalate_one_level_if_probability_at_least: 0.9,
      escalate_one_level_if_heatmap_area_fraction_at_least: 0.25,
      critical_if_fail_probability_at_least: 0.95,
    },
    heatmap_json: { threshold: 0.5, min_area_fraction: 0.1 },
  },
};

/** A 4 × 4 heatmap with the given (row, col) cells at 0.9 and the rest at 0.1. */
function heatmap(...cells: [number, number][]): Float32Array {
  const h = new Float32Array(16).fill(0.1);
  for (const [r, c] of cells) h[r * 4 + c] = 0.9;
  return h;
}
const SOURCE = { width: 800, height: 600 };

describe('bandDecision', () => {
  it('fail at or above fail_threshold, review in [review, fail), pass below', () => {
    expect(bandDecision(0.7, 0.3, 0.7)).toBe('fail');
    expect(bandDecision(0.69999, 0.3, 0.7)).toBe('review');
    expect(bandDecision(0.3, 0.3, 0.7)).toBe('review');
    expect(bandDecision(0.29999, 0.3, 0.7)).toBe('pass');
  });
});

describe('decideInspection: review band and defects', () => {
  const contract = contractOf(SMALL);

  it('passes a confident good item and reports no defects', () => {
    const out = decideInspection(contract, { classScores: f32(0.9, 0.05, 0.05), heatmap: heatmap() }, SOURCE);
    expect(out.decision).toBe('pass');
    expect(out.bandDecision).toBe('pass');
    expect(out.defectProbability).toBeCloseTo(0.1, 6);
    expect(out.defects).toEqual([]);
    expect(Object.keys(out.scores)).toEqual(['ok', 'scratch', 'dent']);
    expect(out.scores.ok).toBeCloseTo(0.9, 6);
    expect(out.localization).toEqual({ areaFraction: 0, hotCells: 0 });
  });

  it('sends the review band to review with the detected and the most probable defect classes', () => {
    // q = 0.5; scratch 0.3 ≥ 0.2 is detected, dent 0.2 < 0.5 is not, but scratch is also the top class.
    const out = decideInspection(
      contract,
      { classScores: f32(0.5, 0.3, 0.2), heatmap: heatmap([0, 0]) },
      SOURCE,
    );
    expect(out.decision).toBe('review');
    expect(out.adjustments).toEqual([]);
    expect(out.defects.map((d) => [d.class, d.severity])).toEqual([['scratch', 'minor']]);
    expect(out.defects[0]?.confidence).toBeCloseTo(0.3, 6);
  });

  it('reports every detected class, most confident first, plus the top class even below its threshold', () => {
    // q = 0.8: fail; scratch 0.45 detected, dent 0.35 < 0.5 not detected and not the top class.
    const big = heatmap([1, 1], [1, 2], [2, 1], [2, 2]);
    const out = decideInspection(contract, { classScores: f32(0.2, 0.45, 0.35), heatmap: big }, SOURCE);
    expect(out.decision).toBe('fail');
    expect(out.defects.map((d) => d.class)).toEqual(['scratch']);
    const dentTop = decideInspection(contract, { classScores: f32(0.2, 0.3, 0.5), heatmap: big }, SOURCE);
    expect(dentTop.defects.map((d) => d.class)).toEqual(['dent', 'scratch']);
  });

  it('fails with the defect region scaled from heatmap cells to the source image', () => {
    // Hot cells rows 1–2, cols 2–3 → input pixels x 4..8, y 2..6 → source ×100 / ×75.
    const hot = heatmap([1, 2], [1, 3], [2, 2], [2, 3]);
    const out = decideInspection(contract, { classScores: f32(0.1, 0.15, 0.75), heatmap: hot }, SOURCE);
    expect(out.decision).toBe('fail');
    expect(out.localization).toEqual({
      areaFraction: 0.25,
      hotCells: 4,
      region: { x: 400, y: 150, width: 400, height: 300 },
    });
    expect(out.defects).toEqual([
      {
        class: 'dent',
        confidence: expect.closeTo(0.75, 6) as number,
        severity: 'critical', // major, +1 for area 0.25 ≥ 0.25
        region: { x: 400, y: 150, width: 400, height: 300 },
        areaFraction: 0.25,
      },
    ]);
  });

  it('downgrades a fail whose hot area is below min_area_fraction to review, keeping the defects', () => {
    const out = decideInspection(
      contract,
      { classScores: f32(0.1, 0.15, 0.75), heatmap: heatmap([3, 3]) },
      SOURCE,
    );
    expect(out.bandDecision).toBe('fail');
    expect(out.decision).toBe('review');
    expect(out.adjustments).toEqual([
      { reason: 'below_min_area', from: 'fail', to: 'review', detail: 'hot heatmap area 0.0625 < 0.1' },
    ]);
    expect(out.defects.map((d) => [d.class, d.severity, d.region])).toEqual([
      ['dent', 'major', { x: 600, y: 450, width: 200, height: 150 }],
    ]);
  });

  it('never downgrades a review or a pass for area', () => {
    const out = decideInspection(contract, { classScores: f32(0.5, 0.3, 0.2), heatmap: heatmap() }, SOURCE);
    expect(out.decision).toBe('review');
    expect(out.adjustments).toEqual([]);
  });

  it('makes a defect critical at critical_if_fail_probability_at_least, and +1 at high confidence', () => {
    const hot = heatmap([0, 0], [0, 1]);
    const critical = decideInspection(contract, { classScores: f32(0.04, 0.9, 0.06), heatmap: hot }, SOURCE);
    expect(critical.defects.map((d) => [d.class, d.severity])).toEqual([['scratch', 'critical']]);
    const escalated = decideInspection(
      contract,
      { classScores: f32(0.06, 0.92, 0.02), heatmap: hot },
      SOURCE,
    );
    // scratch minor, +1 for 0.92 ≥ 0.9; q = 0.94 < 0.95.
    expect(escalated.defects.map((d) => [d.class, d.severity])).toEqual([['scratch', 'major']]);
  });

  it('needs the source size for a model that localizes', () => {
    expect(() => decideInspection(contract, { classScores: f32(1, 0, 0), heatmap: heatmap() })).toThrow(
      /source image size is required/,
    );
  });
});

describe('decideInspection: class thresholds', () => {
  it('leaves a pass with a detected class a pass by default (the scores show it)', () => {
    const out = decideInspection(
      contractOf(SMALL),
      { classScores: f32(0.75, 0.22, 0.03), heatmap: heatmap() },
      SOURCE,
    );
    expect(out.decision).toBe('pass');
    expect(out.defects).toEqual([]);
  });

  it('escalates that pass to review when class_thresholds_escalate is true', () => {
    const contract = contractOf(withParameters(SMALL, { class_thresholds_escalate: true }));
    const out = decideInspection(
      contract,
      { classScores: f32(0.75, 0.22, 0.03), heatmap: heatmap() },
      SOURCE,
    );
    expect(out.decision).toBe('review');
    expect(out.adjustments.map((a) => a.reason)).toEqual(['class_threshold']);
    expect(out.defects.map((d) => d.class)).toEqual(['scratch']);
  });
});

describe('decideInspection: gateway-side calibration', () => {
  const contract = contractOf(
    withParameters(
      { ...SMALL, outputs: [['LOGITS', 'TYPE_FP32', [3]]] },
      {
        outputs_json: { logits: 'LOGITS' },
        probabilities_calibrated: false,
        calibration_temperature: 2,
        heatmap_json: undefined,
        severity_rules_json: undefined,
      },
    ),
  );

  it('applies softmax(logits / T) and derives P(defect) = 1 − P(good)', () => {
    const out = decideInspection(contract, { classScores: f32(0, 2, 0) });
    const e = Math.E;
    expect(out.scores.ok).toBeCloseTo(1 / (2 + e), 12);
    expect(out.scores.scratch).toBeCloseTo(e / (2 + e), 12);
    expect(out.defectProbability).toBeCloseTo(1 - 1 / (2 + e), 12);
    expect(out.decision).toBe('fail'); // 0.788 ≥ 0.7
    expect(out.defects).toEqual([{ class: 'scratch', confidence: out.scores.scratch, severity: 'major' }]);
  });

  it('does not apply the temperature to probabilities that are calibrated in the graph', () => {
    const calibrated = contractOf(withParameters(SMALL, { calibration_temperature: 5 }));
    const out = decideInspection(calibrated, { classScores: f32(0.5, 0.3, 0.2), heatmap: heatmap() }, SOURCE);
    expect(out.scores.ok).toBeCloseTo(0.5, 6);
  });
});

describe('decideInspection: broken model outputs', () => {
  it('throws InternalError for non-finite or missing values instead of deciding', () => {
    const contract = contractOf(SMALL);
    expect(() =>
      decideInspection(contract, { classScores: f32(NaN, 0, 0), heatmap: heatmap() }, SOURCE),
    ).toThrow(InternalError);
    expect(() => decideInspection(contract, { classScores: f32(1, 0), heatmap: heatmap() }, SOURCE)).toThrow(
      /2 class scores for 3 classes/,
    );
  });

  it('clamps float32 rounding just outside [0, 1]', () => {
    const out = decideInspection(
      contractOf(SMALL),
      { classScores: f32(1.0000001, -1e-8, 0), heatmap: heatmap() },
      SOURCE,
    );
    expect(out.scores.ok).toBe(1);
    expect(out.scores.scratch).toBe(0);
    expect(out.defectProbability).toBe(0);
  });
});
