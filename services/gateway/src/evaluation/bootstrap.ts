/**
 * Non-parametric bootstrap confidence intervals (percentile method) with a seeded generator, so the same
 * predictions always give the same intervals. A resample is expressed as a weight per item (how many times it
 * was drawn), which lets each statistic run in linear time without copying the items.
 */

export interface Interval {
  low: number;
  high: number;
}

export interface BootstrapOptions {
  resamples: number;
  seed: number;
  /** Two-sided coverage, e.g. 0.95. */
  level: number;
}

export const DEFAULT_BOOTSTRAP: BootstrapOptions = Object.freeze({
  resamples: 1000,
  seed: 20240917,
  level: 0.95,
});

/** mulberry32: a small, fast 32-bit generator; uniform floats in [0, 1). Deterministic for a given seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Quantile of ascending `sorted` values with linear interpolation between order statistics (type 7). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of no values');
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const a = sorted[lower] ?? 0;
  const b = sorted[upper] ?? a;
  return a + (b - a) * (position - lower);
}

/**
 * Percentile intervals of each statistic over `resamples` resamples of `n` items drawn with replacement.
 * `statistics(weights)` computes every statistic for one resample; a null value (undefined on that resample,
 * e.g. an AUROC without positives) is left out. A statistic that is null on every resample gets null.
 */
export function bootstrapIntervals<K extends string>(
  n: number,
  statistics: (weights: Uint32Array) => Record<K, number | null>,
  keys: readonly K[],
  options: BootstrapOptions = DEFAULT_BOOTSTRAP,
): Record<K, Interval | null> {
  if (!Number.isInteger(options.resamples) || options.resamples < 1) {
    throw new RangeError(`resamples must be a positive integer, got ${options.resamples}`);
  }
  const values = new Map<K, number[]>(keys.map((k) => [k, []]));
  const random = seededRandom(options.seed);
  const weights = new Uint32Array(n);
  for (let r = 0; r < options.resamples && n > 0; r++) {
    weights.fill(0);
    for (let i = 0; i < n; i++) {
      const drawn = Math.floor(random() * n);
      weights[drawn] = (weights[drawn] ?? 0) + 1;
    }
    const stats = statistics(weights);
    for (const k of keys) {
      const v = stats[k];
      if (v !== null && Number.isFinite(v)) values.get(k)?.push(v);
    }
  }
  const tail = (1 - options.level) / 2;
  const out = {} as Record<K, Interval | null>;
  for (const k of keys) {
    const list = (values.get(k) ?? []).sort((a, b) => a - b);
    out[k] = list.length === 0 ? null : { low: quantile(list, tail), high: quantile(list, 1 - tail) };
  }
  return out;
}
