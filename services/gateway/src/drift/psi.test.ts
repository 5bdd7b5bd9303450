import { binIndex, driftStatus, populationStabilityIndex, worstStatus } from './psi';

describe('populationStabilityIndex', () => {
  it('is zero when the window has exactly the reference distribution', () => {
    const reference = [0.1, 0.2, 0.4, 0.2, 0.1];
    expect(populationStabilityIndex([10, 20, 40, 20, 10], 100, reference)).toBeCloseTo(0, 12);
  });

  it('is ~0 for identical distributions with empty bins on both sides (epsilon cancels)', () => {
    expect(populationStabilityIndex([0, 50, 50, 0], 100, [0, 0.5, 0.5, 0])).toBeCloseTo(0, 12);
  });

  it('gives the hand-computed value for a known shift', () => {
    // cur 0.4 0.3 0.2 0.1 vs ref 0.25 each:
    // 0.15 ln 1.6 + 0.05 ln 1.2 − 0.05 ln 0.8 − 0.15 ln 0.4 = 0.0705006 + 0.0091161 + 0.0111572 + 0.1374436
    expect(populationStabilityIndex([40, 30, 20, 10], 100, [0.25, 0.25, 0.25, 0.25])).toBeCloseTo(
      0.2282174,
      6,
    );
  });

  it('counts a bin the reference never saw as epsilon (1e-4): large but finite', () => {
    // (0.5 − 0.4)·ln(0.5/0.4)… = −0.1·ln 0.8 + (0.1 − 1e-4)·ln(0.1 / 1e-4) = 0.0223144 + 0.6900851
    const psi = populationStabilityIndex([50, 40, 10], 100, [0.5, 0.5, 0]);
    expect(psi).toBeCloseTo(0.7123991, 6);
    expect(Number.isFinite(psi)).toBe(true);
  });

  it('is symmetric in which side is empty and grows with the shift', () => {
    const small = populationStabilityIndex([45, 55], 100, [0.5, 0.5]);
    const large = populationStabilityIndex([20, 80], 100, [0.5, 0.5]);
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(small);
    expect(populationStabilityIndex([0, 100], 100, [1, 0])).toBeCloseTo(
      populationStabilityIndex([100, 0], 100, [0, 1]),
      12,
    );
  });
});

describe('binIndex', () => {
  const edges = [0, 0.25, 0.5, 0.75, 1];

  it('puts a value in [e_i, e_i+1), the last bin closed (numpy.histogram)', () => {
    expect(binIndex(edges, 0)).toBe(0);
    expect(binIndex(edges, 0.2499)).toBe(0);
    expect(binIndex(edges, 0.25)).toBe(1);
    expect(binIndex(edges, 0.74)).toBe(2);
    expect(binIndex(edges, 0.75)).toBe(3);
    expect(binIndex(edges, 1)).toBe(3);
  });

  it('clamps values outside the reference edges into the first and last bins', () => {
    expect(binIndex(edges, -5)).toBe(0);
    expect(binIndex(edges, 1.0001)).toBe(3);
    expect(binIndex([0, 15, 30], 300)).toBe(1);
    expect(binIndex([0, 1], 0.5)).toBe(0);
  });

  it('works on unequal bins', () => {
    const uneven = [0, 1, 10, 100];
    expect([0.5, 1, 9.9, 10, 99, 1000].map((v) => binIndex(uneven, v))).toEqual([0, 1, 1, 2, 2, 2]);
  });
});

describe('driftStatus', () => {
  it('reads PSI < 0.1 as ok, 0.1–0.2 as watch, > 0.2 as drift, no PSI as insufficient data', () => {
    expect(driftStatus(0)).toBe('ok');
    expect(driftStatus(0.0999)).toBe('ok');
    expect(driftStatus(0.1)).toBe('watch');
    expect(driftStatus(0.2)).toBe('watch');
    expect(driftStatus(0.2001)).toBe('drift');
    expect(driftStatus(null)).toBe('insufficient_data');
  });

  it('summarizes several signals by the most severe', () => {
    expect(worstStatus(['ok', 'drift', 'watch'])).toBe('drift');
    expect(worstStatus(['ok', 'watch'])).toBe('watch');
    expect(worstStatus(['insufficient_data', 'ok'])).toBe('ok');
    expect(worstStatus([])).toBe('insufficient_data');
  });
});
