/**
 * The decisions the gateway fixtures are documented to produce (tests/fixtures/README.md, "Gateway
 * fixtures"): each fixture's contract is parsed from its config.pbtxt and fed the outputs its ONNX graph
 * computes (the same closed-form formulas that check_gateway_fixtures.js checks against onnxruntime).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseModelConfigText } from '../../../model-server/src/repository';
import { parseModelContract } from '../routing/model-contract';
import { decideInspection } from './decide-inspection';

const ROOT = path.resolve(__dirname, '../../../../tests/fixtures/gateway_repository');
const contractOf = (model: string) =>
  parseModelContract(parseModelConfigText(fs.readFileSync(path.join(ROOT, model, 'config.pbtxt'), 'utf8')));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

type Rect = [x: number, y: number, w: number, h: number, value: number];
function image(width: number, height: number, fill: number, rects: Rect[] = []): Uint8Array {
  const px = new Uint8Array(width * height).fill(fill);
  for (const [x, y, w, h, v] of rects)
    for (let r = y; r < y + h; r++) px.fill(v, r * width + x, r * width + x + w);
  return px;
}

/** 1 − the mean of each k × k block of a 64 × 64 image, row-major. */
function darkness(px: Uint8Array, k: number): number[] {
  const n = 64 / k;
  const out: number[] = [];
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      let sum = 0;
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) sum += px[(r * k + i) * 64 + c * k + j]! / 255;
      out.push(1 - sum / (k * k));
    }
  }
  return out;
}

function visualOutputs(px: Uint8Array) {
  const heat = darkness(px, 4);
  const fine = sigmoid(10 * (Math.max(...heat) - 0.55));
  const coarse = sigmoid(10 * (Math.max(...darkness(px, 8)) - 0.55));
  const q = (fine + coarse) / 2;
  return {
    classScores: [1 - q, fine / 2, coarse / 2],
    defectProbability: [q],
    heatmap: heat,
    members: [[fine], [coarse]],
  };
}

describe('visual_fixture decisions', () => {
  const contract = contractOf('visual_fixture');
  const decide = (px: Uint8Array) =>
    decideInspection(contract, visualOutputs(px), { width: 640, height: 480 });

  it('passes a bright uniform image', () => {
    expect(decide(image(64, 64, 255)).decision).toBe('pass');
  });

  it('sends a uniform mid-grey image to review (band)', () => {
    const out = decide(image(64, 64, 128));
    expect([out.decision, out.adjustments]).toEqual(['review', []]);
  });

  it('fails a dark 16 × 16 patch and locates it in source pixels', () => {
    const out = decide(image(64, 64, 255, [[16, 32, 16, 16, 0]]));
    expect(out.decision).toBe('fail');
    expect(out.defects.map((d) => [d.class, d.severity])).toEqual([
      ['Crack', 'major'],
      ['Blowhole', 'minor'],
    ]);
    expect(out.defects[0]?.region).toEqual({ x: 160, y: 240, width: 160, height: 120 });
    expect(out.defects[0]?.areaFraction).toBe(16 / 256);
  });

  it('escalates severity for a patch covering ≥ 10 % of the heatmap', () => {
    const out = decide(image(64, 64, 255, [[8, 8, 24, 24, 0]]));
    expect(out.defects.map((d) => [d.class, d.severity])).toEqual([
      ['Crack', 'critical'],
      ['Blowhole', 'major'],
    ]);
  });

  it('downgrades a thin line that only the fine member sees to review', () => {
    const out = decide(image(64, 64, 255, [[0, 0, 4, 64, 0]]));
    expect([out.bandDecision, out.decision]).toEqual(['fail', 'review']);
    expect(out.adjustments.map((a) => a.reason)).toEqual(['member_disagreement']);
  });

  it('downgrades a small patch below the minimum area to review', () => {
    const out = decide(image(64, 64, 255, [[8, 8, 8, 8, 0]]));
    expect([out.bandDecision, out.decision]).toEqual(['fail', 'review']);
    expect(out.adjustments.map((a) => a.reason)).toEqual(['below_min_area']);
  });

  it('sends a single dark cell to review by the band', () => {
    const out = decide(image(64, 64, 255, [[8, 8, 4, 4, 0]]));
    expect([out.bandDecision, out.decision]).toEqual(['review', 'review']);
    expect(out.defects.map((d) => d.class)).toEqual(['Crack']);
  });
});

describe('thermal_fixture decisions', () => {
  const contract = contractOf('thermal_fixture');
  const decide = (px: Uint8Array) => {
    const x = Array.from(px, (v) => v / 255);
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const logits = [10 * (mean - 0.6), 12 * (Math.max(...x) - mean) - 3, 0];
    return decideInspection(contract, { classScores: logits });
  };

  it('pass, review, fail by the mean temperature; a hot spot is a critical Hot-Spot', () => {
    expect(decide(image(24, 40, 76)).decision).toBe('pass');
    expect(decide(image(24, 40, 204)).decision).toBe('review');
    const warm = decide(image(24, 40, 230));
    expect([warm.decision, warm.defects.map((d) => [d.class, d.severity])]).toEqual([
      'fail',
      [['Cell', 'minor']],
    ]);
    const spot = decide(image(24, 40, 0, [[5, 7, 1, 1, 255]]));
    expect([spot.decision, spot.defects.map((d) => [d.class, d.severity])]).toEqual([
      'fail',
      [['Hot-Spot', 'critical']],
    ]);
  });
});

describe('electrical_fixture decisions', () => {
  const contract = contractOf('electrical_fixture');
  const median = [1, 2, 3, 4, 5, 6, 7, 8];
  const scale = [1, 1, 2, 2, 1, 1, 2, 2];
  const weights = [1, -0.5, 0.25, 0, 0.5, 0, 0, 0.75];
  const decide = (x: number[]) => {
    const z = x.map((v, i) => ((Number.isNaN(v) ? median[i]! : v) - median[i]!) / scale[i]!);
    const fail = sigmoid(z.reduce((s, v, i) => s + v * weights[i]!, -2));
    const anomaly = z.reduce((s, v) => s + v * v, 0) / 8;
    return decideInspection(contract, {
      classScores: [1 - fail, fail],
      defectProbability: [fail],
      anomalyScore: [anomaly],
    });
  };
  const withFeature = (i: number, v: number) => median.map((m, j) => (j === i ? v : m));

  it('pass, review, fail (major, critical) and the anomaly review', () => {
    expect(decide(new Array<number>(8).fill(NaN)).decision).toBe('pass');
    expect(decide(withFeature(0, 3)).decision).toBe('review');
    expect(decide(withFeature(0, 5)).defects.map((d) => [d.class, d.severity])).toEqual([['fail', 'major']]);
    expect(decide(withFeature(0, 6)).defects.map((d) => [d.class, d.severity])).toEqual([
      ['fail', 'critical'],
    ]);
    const unusual = decide(withFeature(6, 31));
    expect([unusual.decision, unusual.adjustments.map((a) => a.reason)]).toEqual([
      'review',
      ['anomaly_score'],
    ]);
  });
});
