import fc from 'fast-check';
import { binIndex } from './psi';
import { SignalWindow } from './signal-window';

const EDGES = [0, 0.25, 0.5, 0.75, 1];

/** The histogram and mean of `values` computed from scratch. */
function expected(values: number[]) {
  const counts = [0, 0, 0, 0];
  for (const v of values) counts[binIndex(EDGES, v)]!++;
  const mean = values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
  return { counts, mean };
}

describe('SignalWindow', () => {
  it('keeps only the last `capacity` values: evicted values leave their bin and the mean', () => {
    const w = new SignalWindow(EDGES, 3);
    for (const v of [0.1, 0.1, 0.9]) w.add(v);
    expect(w.counts()).toEqual([2, 0, 0, 1]);
    w.add(0.6); // evicts the first 0.1
    expect(w.count).toBe(3);
    expect(w.counts()).toEqual([1, 0, 1, 1]);
    expect(w.mean).toBeCloseTo((0.1 + 0.9 + 0.6) / 3, 12);
    w.add(0.3);
    w.add(0.3);
    w.add(0.3); // the window is now 0.3 × 3
    expect(w.counts()).toEqual([0, 3, 0, 0]);
    expect(w.fractions()).toEqual([0, 1, 0, 0]);
    expect(w.mean).toBeCloseTo(0.3, 12);
  });

  it('clamps out-of-range values into the edge bins and ignores non-finite ones', () => {
    const w = new SignalWindow(EDGES, 10);
    w.add(-3);
    w.add(7);
    w.add(Number.NaN);
    w.add(Number.POSITIVE_INFINITY);
    expect(w.count).toBe(2);
    expect(w.counts()).toEqual([1, 0, 0, 1]);
    expect(w.mean).toBe(2);
  });

  it('reports no mean and no PSI while empty', () => {
    const w = new SignalWindow(EDGES, 5);
    expect(w.mean).toBeNull();
    expect(w.psi([0.25, 0.25, 0.25, 0.25])).toBeNull();
    expect(w.fractions()).toEqual([0, 0, 0, 0]);
  });

  it('PSI of a window filled with the reference distribution is ~0', () => {
    const w = new SignalWindow(EDGES, 8);
    for (const v of [0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9]) w.add(v);
    expect(w.psi([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(0, 12);
  });

  it('always matches the histogram and mean of the last `capacity` values (any sequence)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.double({ min: -0.5, max: 1.5, noNaN: true }), { maxLength: 120 }),
        (capacity, values) => {
          const w = new SignalWindow(EDGES, capacity);
          for (const v of values) w.add(v);
          const want = expected(values.slice(-capacity));
          expect(w.count).toBe(Math.min(values.length, capacity));
          expect(w.counts()).toEqual(want.counts);
          if (want.mean === null) expect(w.mean).toBeNull();
          else expect(w.mean).toBeCloseTo(want.mean, 9);
        },
      ),
      { numRuns: 200 },
    );
  });
});
