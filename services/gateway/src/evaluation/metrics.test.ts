import { auroc, ascendingOrder, weightedAuroc } from './auroc';
import { computeMetrics, expectedCalibrationError, type EvaluatedItem } from './metrics';

const CLASSES = ['good', 'crack', 'hole'];

function item(
  trueClass: string,
  scores: [number, number, number],
  defectProbability: number,
  decision: EvaluatedItem['decision'],
): EvaluatedItem {
  return {
    trueClass,
    trueIsDefect: trueClass !== 'good',
    scores: { good: scores[0], crack: scores[1], hole: scores[2] },
    defectProbability,
    decision,
  };
}

// Six items worked out by hand (see the comments on each expectation).
const ITEMS: EvaluatedItem[] = [
  item('good', [0.81, 0.1, 0.09], 0.2, 'pass'), // predicted good ✓, confidence .81
  item('good', [0.4, 0.52, 0.08], 0.6, 'fail'), // predicted crack ✗, .52 — a false reject
  item('good', [0.71, 0.2, 0.09], 0.3, 'review'), // predicted good ✓, .71
  item('crack', [0.1, 0.83, 0.07], 0.9, 'fail'), // predicted crack ✓, .83
  item('crack', [0.61, 0.3, 0.09], 0.4, 'pass'), // predicted good ✗, .61 — an escape
  item('hole', [0.2, 0.18, 0.62], 0.8, 'fail'), // predicted hole ✓, .62
];

describe('computeMetrics on a hand-computed case', () => {
  const m = computeMetrics(ITEMS, CLASSES);

  it('counts accuracy, the confusion matrix and per-class figures', () => {
    expect(m.n).toBe(6);
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m.confusion).toEqual({
      classes: CLASSES,
      matrix: [
        [2, 1, 0],
        [1, 1, 0],
        [0, 0, 1],
      ],
    });
    expect(m.per_class.good).toEqual({
      precision: 2 / 3,
      recall: 2 / 3,
      f1: expect.closeTo(2 / 3, 12),
      support: 3,
      predicted: 3,
    });
    expect(m.per_class.crack).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2, predicted: 2 });
    expect(m.per_class.hole).toEqual({ precision: 1, recall: 1, f1: 1, support: 1, predicted: 1 });
    expect(m.macro_f1).toBeCloseTo((2 / 3 + 0.5 + 1) / 3, 12);
  });

  it('ranks defects above good items for the AUROC (8 of 9 pairs)', () => {
    // defects .9 .4 .8 vs good .2 .6 .3: .9 and .8 beat all three, .4 beats .2 and .3.
    expect(m.auroc).toBeCloseTo(8 / 9, 12);
  });

  it('reports escape, false-reject and review rates from the decisions', () => {
    expect(m.escape_rate).toBeCloseTo(1 / 3, 12);
    expect(m.false_reject_rate).toBeCloseTo(1 / 3, 12);
    expect(m.false_reject_or_review_rate).toBeCloseTo(2 / 3, 12);
    expect(m.review_rate).toBeCloseTo(1 / 6, 12);
    expect(m.decisions).toEqual({ pass: 2, review: 1, fail: 3 });
    expect(m.decisions_of_defect_items).toEqual({ pass: 1, review: 0, fail: 2 });
    expect(m.decisions_of_good_items).toEqual({ pass: 1, review: 1, fail: 1 });
    expect([m.defect_items, m.good_items]).toEqual([3, 3]);
  });

  it('bins the top probability into 15 bins for the ECE', () => {
    // bins: 12 {.81 ✓, .83 ✓} → .18·2; 7 {.52 ✗} → .52; 10 {.71 ✓} → .29; 9 {.61 ✗, .62 ✓} → .115·2.
    expect(m.ece).toBeCloseTo((0.36 + 0.52 + 0.29 + 0.23) / 6, 12);
    expect(expectedCalibrationError(ITEMS, CLASSES)).toBe(m.ece);
  });

  it('gives seeded, reproducible 95 % bootstrap intervals around the point figures', () => {
    expect(m.bootstrap).toEqual({ resamples: 1000, seed: expect.any(Number), method: 'percentile' });
    for (const key of ['accuracy', 'macro_f1', 'auroc', 'escape_rate'] as const) {
      const ci = m.ci95[key];
      const point = m[key];
      expect(ci).not.toBeNull();
      expect(point).not.toBeNull();
      expect(ci!.low).toBeLessThanOrEqual(point!);
      expect(ci!.high).toBeGreaterThanOrEqual(point!);
      expect(ci!.low).toBeGreaterThanOrEqual(0);
      expect(ci!.high).toBeLessThanOrEqual(1);
    }
    expect(computeMetrics(ITEMS, CLASSES).ci95).toEqual(m.ci95);
  });
});

describe('computeMetrics edge cases', () => {
  it('gives null rates and AUROC when there are no defect items', () => {
    const m = computeMetrics([item('good', [0.9, 0.05, 0.05], 0.1, 'pass')], CLASSES);
    expect(m.auroc).toBeNull();
    expect(m.escape_rate).toBeNull();
    expect(m.ci95.auroc).toBeNull();
    expect(m.false_reject_rate).toBe(0);
    expect(m.accuracy).toBe(1);
    expect(m.ci95.accuracy).toEqual({ low: 1, high: 1 });
  });

  it('averages F1 over true and predicted labels; a predicted-only class counts as F1 0', () => {
    const m = computeMetrics(
      [item('good', [0.9, 0.05, 0.05], 0.1, 'pass'), item('good', [0.2, 0.1, 0.7], 0.8, 'fail')],
      CLASSES,
    );
    // good: P 1, R .5 → F1 2/3; hole: predicted once, never true → F1 0; crack absent from both.
    expect(m.macro_f1).toBeCloseTo(1 / 3, 12);
    expect(m.per_class.crack).toEqual({ precision: null, recall: null, f1: null, support: 0, predicted: 0 });
    expect(m.per_class.hole).toEqual({ precision: 0, recall: null, f1: 0, support: 0, predicted: 1 });
  });

  it('leaves items that are neither good nor defect out of the AUROC and the rates', () => {
    const neutral: EvaluatedItem = { ...item('hole', [0.1, 0.1, 0.8], 0.95, 'fail'), trueIsDefect: false };
    neutral.trueIsGood = false;
    const m = computeMetrics([...ITEMS.slice(0, 5), neutral], CLASSES);
    expect([m.defect_items, m.good_items]).toEqual([2, 3]);
    expect(m.escape_rate).toBeCloseTo(1 / 2, 12);
  });

  it('refuses an item whose class is not in the class list', () => {
    expect(() => computeMetrics([item('dent', [1, 0, 0], 0, 'pass')], CLASSES)).toThrow(/'dent'/);
  });

  it('handles an empty list', () => {
    const m = computeMetrics([], CLASSES);
    expect([m.n, m.accuracy, m.macro_f1, m.auroc, m.ece, m.review_rate]).toEqual([
      0,
      null,
      null,
      null,
      null,
      null,
    ]);
  });
});

describe('auroc', () => {
  it('counts ties as one half (average ranks)', () => {
    // positives .5 .7, negatives .5 .3: (.5 tie .5) + (.5 > .3) + 2 = 3.5 of 4 pairs.
    const items = [
      { score: 0.5, positive: true },
      { score: 0.7, positive: true },
      { score: 0.5, positive: false },
      { score: 0.3, positive: false },
    ];
    expect(auroc(items)).toBe(0.875);
  });

  it('is 1 for a perfect ranking, 0 for a reversed one, and null with one class only', () => {
    expect(
      auroc([
        { score: 0.9, positive: true },
        { score: 0.1, positive: false },
      ]),
    ).toBe(1);
    expect(
      auroc([
        { score: 0.1, positive: true },
        { score: 0.9, positive: false },
      ]),
    ).toBe(0);
    expect(auroc([{ score: 0.3, positive: true }])).toBeNull();
  });

  it('treats a weight as that many copies of the item', () => {
    const items = [
      { score: 0.2, positive: true },
      { score: 0.6, positive: true },
      { score: 0.4, positive: false },
    ];
    const copies = [items[0]!, items[1]!, items[1]!, items[1]!, items[2]!];
    expect(weightedAuroc(items, ascendingOrder(items), [1, 3, 1])).toBe(auroc(copies));
    expect(auroc(copies)).toBe(0.75);
  });
});
