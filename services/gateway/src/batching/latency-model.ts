/**
 * Batch execution time as a straight line, `time ≈ a·n + b` (n = items in the batch), fitted by ordinary least
 * squares over the most recent completed batches. The batcher uses it to ask "if I wait for one more request,
 * will the oldest one still make its deadline?" and to estimate `Retry-After` when its queue is full.
 *
 * Fallbacks, in order:
 * - fewer than `minSamples` batches observed → the configured defaults;
 * - every observed batch had the same size (typical at low load, all batches of one) → the slope cannot be
 *   fitted, so the default slope is kept and the intercept anchored so the line passes through the observed mean;
 * - a fitted slope below zero (noise) → a flat line at the mean; a fitted intercept below zero → a line through
 *   the origin. Both coefficients are therefore never negative.
 */
export interface LatencyModelOptions {
  /** How many recent batches the fit uses. Default 64. */
  window?: number;
  /** Batches needed before observations replace the defaults. Default 4. */
  minSamples?: number;
  /** Per-item cost `a` in ms assumed until the fit can tell. Default 1. */
  defaultPerItemMs?: number;
  /** Fixed per-batch cost `b` in ms assumed until the fit can tell. Default 2. */
  defaultFixedMs?: number;
}

export interface LatencyCoefficients {
  /** Milliseconds per item. */
  readonly a: number;
  /** Milliseconds per batch, whatever its size. */
  readonly b: number;
}

export class LatencyModel {
  private readonly sizes: Float64Array;
  private readonly durations: Float64Array;
  private readonly minSamples: number;
  private readonly defaults: LatencyCoefficients;
  private next = 0;
  private count = 0;
  private fitted: LatencyCoefficients | undefined;

  constructor(options: LatencyModelOptions = {}) {
    const window = options.window ?? 64;
    const minSamples = options.minSamples ?? 4;
    const a = options.defaultPerItemMs ?? 1;
    const b = options.defaultFixedMs ?? 2;
    if (!Number.isInteger(window) || window < 2)
      throw new RangeError(`window must be an integer ≥ 2, got ${window}`);
    if (!Number.isInteger(minSamples) || minSamples < 1 || minSamples > window) {
      throw new RangeError(`minSamples must be an integer in 1..window, got ${minSamples}`);
    }
    if (!(a >= 0 && Number.isFinite(a)) || !(b >= 0 && Number.isFinite(b))) {
      throw new RangeError(`default coefficients must be finite and ≥ 0, got a=${a} b=${b}`);
    }
    this.sizes = new Float64Array(window);
    this.durations = new Float64Array(window);
    this.minSamples = minSamples;
    this.defaults = { a, b };
  }

  /** Records one completed batch. Nonsensical samples (size < 1, negative or non-finite time) are ignored. */
  observe(batchSize: number, durationMs: number): void {
    if (
      !(batchSize >= 1) ||
      !Number.isFinite(batchSize) ||
      !(durationMs >= 0) ||
      !Number.isFinite(durationMs)
    ) {
      return;
    }
    this.sizes[this.next] = batchSize;
    this.durations[this.next] = durationMs;
    this.next = (this.next + 1) % this.sizes.length;
    this.count = Math.min(this.count + 1, this.sizes.length);
    this.fitted = undefined;
  }

  /** Predicted execution time, in ms, of a batch of `n` items. */
  predict(n: number): number {
    const { a, b } = this.coefficients();
    return a * Math.max(0, n) + b;
  }

  /** Batches currently inside the window. */
  get samples(): number {
    return this.count;
  }

  /** Whether the fit rests on observed batches rather than on the configured defaults. */
  get learned(): boolean {
    return this.count >= this.minSamples;
  }

  coefficients(): LatencyCoefficients {
    this.fitted ??= this.fit();
    return this.fitted;
  }

  private fit(): LatencyCoefficients {
    const n = this.count;
    if (n < this.minSamples) return this.defaults;

    let sumX = 0;
    let sumY = 0;
    for (let i = 0; i < n; i++) {
      sumX += this.sizes[i] ?? 0;
      sumY += this.durations[i] ?? 0;
    }
    const meanX = sumX / n;
    const meanY = sumY / n;
    let sxx = 0;
    let sxy = 0;
    let sumXX = 0;
    let sumXY = 0;
    for (let i = 0; i < n; i++) {
      const x = this.sizes[i] ?? 0;
      const y = this.durations[i] ?? 0;
      sxx += (x - meanX) * (x - meanX);
      sxy += (x - meanX) * (y - meanY);
      sumXX += x * x;
      sumXY += x * y;
    }

    if (sxx < 1e-9) {
      // One batch size only: keep the assumed slope, anchor the line on what was seen.
      const b = meanY - this.defaults.a * meanX;
      return b >= 0 ? { a: this.defaults.a, b } : { a: meanY / meanX, b: 0 };
    }
    const a = sxy / sxx;
    const b = meanY - a * meanX;
    if (a < 0) return { a: 0, b: meanY };
    if (b < 0) return { a: sumXY / sumXX, b: 0 };
    return { a, b };
  }
}
