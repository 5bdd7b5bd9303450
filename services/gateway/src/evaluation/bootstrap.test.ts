import { bootstrapIntervals, quantile, seededRandom } from './bootstrap';

describe('seededRandom', () => {
  it('repeats the same sequence for the same seed, in [0, 1)', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(seededRandom(8)()).not.toBe(seededRandom(7)());
  });
});

describe('quantile', () => {
  it('interpolates linearly between order statistics', () => {
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 20], 0.025)).toBeCloseTo(10.25, 12);
    expect(quantile([4], 0.975)).toBe(4);
  });
});

describe('bootstrapIntervals', () => {
  const options = { resamples: 1000, seed: 1, level: 0.95 };

  it('brackets the mean of a 0/1 sample near the normal approximation', () => {
    const values = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? 1 : 0)); // mean .25
    const mean = (w: Uint32Array) => {
      let s = 0;
      let n = 0;
      w.forEach((k, i) => {
        s += k * (values[i] ?? 0);
        n += k;
      });
      return { mean: s / n };
    };
    const ci = bootstrapIntervals(values.length, mean, ['mean'], options).mean!;
    const se = Math.sqrt((0.25 * 0.75) / 200); // ≈ .031, so ±1.96·se ≈ ±.06
    expect(ci.low).toBeGreaterThan(0.25 - 2.5 * se);
    expect(ci.low).toBeLessThan(0.25 - 1.4 * se);
    expect(ci.high).toBeGreaterThan(0.25 + 1.4 * se);
    expect(ci.high).toBeLessThan(0.25 + 2.5 * se);
  });

  it('draws every resample with n items in all', () => {
    const totals = new Set<number>();
    bootstrapIntervals(
      13,
      (w) => {
        totals.add(w.reduce((a, b) => a + b, 0));
        return { x: 0 };
      },
      ['x'],
      options,
    );
    expect([...totals]).toEqual([13]);
  });

  it('leaves out resamples where a statistic is undefined, and gives null when it never is', () => {
    const ci = bootstrapIntervals(
      5,
      (w) => ({ a: (w[0] ?? 0) > 0 ? 1 : null, b: null }),
      ['a', 'b'],
      options,
    );
    expect(ci.a).toEqual({ low: 1, high: 1 });
    expect(ci.b).toBeNull();
    expect(bootstrapIntervals(0, () => ({ a: 1 }), ['a'], options).a).toBeNull();
  });
});
