import { LatencyModel } from './latency-model';

/** Deterministic noise in [-1, 1) so the tests do not depend on Math.random. */
function noise(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  };
}

describe('LatencyModel', () => {
  it('predicts with the defaults until enough batches have been seen', () => {
    const model = new LatencyModel({ defaultPerItemMs: 0.5, defaultFixedMs: 3, minSamples: 4 });
    model.observe(8, 100);
    model.observe(1, 50);
    expect(model.coefficients()).toEqual({ a: 0.5, b: 3 });
    expect(model.predict(4)).toBe(5);
  });

  it('recovers a and b from noisy synthetic batches within 5 %', () => {
    const model = new LatencyModel({ window: 64 });
    const jitter = noise(42);
    const a = 0.84;
    const b = 3.2;
    for (let i = 0; i < 64; i++) {
      const n = 1 + (i % 8);
      model.observe(n, (a * n + b) * (1 + 0.02 * jitter()));
    }
    const fitted = model.coefficients();
    expect(Math.abs(fitted.a - a) / a).toBeLessThan(0.05);
    expect(Math.abs(fitted.b - b) / b).toBeLessThan(0.05);
    expect(model.predict(8)).toBeCloseTo(a * 8 + b, 0);
  });

  it('forgets batches older than the window, so it follows a change of regime', () => {
    const model = new LatencyModel({ window: 16 });
    for (let i = 0; i < 16; i++) model.observe(1 + (i % 4), 10 * (1 + (i % 4)) + 50);
    for (let i = 0; i < 16; i++) model.observe(1 + (i % 4), 2 * (1 + (i % 4)) + 1);
    expect(model.samples).toBe(16);
    expect(model.coefficients().a).toBeCloseTo(2, 6);
    expect(model.coefficients().b).toBeCloseTo(1, 6);
  });

  it('keeps the default slope and anchors on the mean when every batch had the same size', () => {
    const model = new LatencyModel({ defaultPerItemMs: 1, defaultFixedMs: 2 });
    for (let i = 0; i < 8; i++) model.observe(1, 6);
    expect(model.coefficients()).toEqual({ a: 1, b: 5 });
    expect(model.predict(1)).toBe(6);
  });

  it('never returns negative coefficients', () => {
    const falling = new LatencyModel({ minSamples: 2 });
    [1, 2, 3, 4].forEach((n) => falling.observe(n, 20 - n));
    expect(falling.coefficients()).toEqual({ a: 0, b: 17.5 });

    const steep = new LatencyModel({ minSamples: 2 });
    [1, 2, 3, 4].forEach((n) => steep.observe(n, n === 1 ? 0.1 : 10 * n - 5));
    const { a, b } = steep.coefficients();
    expect(a).toBeGreaterThan(0);
    expect(b).toBe(0);

    const cheapSingles = new LatencyModel({ defaultPerItemMs: 5, defaultFixedMs: 1 });
    for (let i = 0; i < 4; i++) cheapSingles.observe(2, 4);
    expect(cheapSingles.coefficients()).toEqual({ a: 2, b: 0 });
  });

  it('ignores nonsensical samples and rejects nonsensical options', () => {
    const model = new LatencyModel({ minSamples: 1 });
    model.observe(0, 5);
    model.observe(2, -1);
    model.observe(2, Number.NaN);
    expect(model.samples).toBe(0);
    expect(() => new LatencyModel({ window: 1 })).toThrow(RangeError);
    expect(() => new LatencyModel({ defaultFixedMs: -1 })).toThrow(RangeError);
    expect(() => new LatencyModel({ window: 4, minSamples: 5 })).toThrow(RangeError);
  });
});
