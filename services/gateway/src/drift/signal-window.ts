import { binIndex, populationStabilityIndex } from './psi';

/**
 * The last `capacity` values of one signal, with their histogram over fixed bin edges kept up to date as values
 * enter and leave: a ring of values and bin indices plus per-bin counts and a running sum. `add` is O(log bins)
 * and allocates nothing; the arrays are allocated once.
 */
export class SignalWindow {
  private readonly values: Float64Array;
  private readonly bins: Uint16Array;
  private readonly binCounts: Uint32Array;
  private head = 0;
  private size = 0;
  private sum = 0;

  constructor(
    readonly edges: readonly number[],
    readonly capacity: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    if (edges.length < 2 || edges.length - 1 > 0xffff) throw new RangeError('need 1 to 65535 bins');
    this.values = new Float64Array(capacity);
    this.bins = new Uint16Array(capacity);
    this.binCounts = new Uint32Array(edges.length - 1);
  }

  /** Adds a value, evicting the oldest when full. Non-finite values are not counted. */
  add(value: number): void {
    if (!Number.isFinite(value)) return;
    const at = this.head;
    if (this.size === this.capacity) {
      this.binCounts[this.bins[at]!]!--;
      this.sum -= this.values[at]!;
    } else {
      this.size++;
    }
    const bin = binIndex(this.edges, value);
    this.values[at] = value;
    this.bins[at] = bin;
    this.binCounts[bin]!++;
    this.sum += value;
    this.head = at + 1 === this.capacity ? 0 : at + 1;
    // Once per lap, re-add the sum so rounding from many subtractions cannot build up (amortized O(1)).
    if (this.head === 0) this.sum = this.values.reduce((a, b) => a + b, 0);
  }

  /** Values in the window. */
  get count(): number {
    return this.size;
  }

  /** Mean of the values in the window; null when empty. */
  get mean(): number | null {
    return this.size === 0 ? null : this.sum / this.size;
  }

  /** Count per bin (a copy). */
  counts(): number[] {
    return Array.from(this.binCounts);
  }

  /** Fraction of the window per bin; all zero when empty. */
  fractions(): number[] {
    return Array.from(this.binCounts, (c) => (this.size === 0 ? 0 : c / this.size));
  }

  /** PSI of the window against reference fractions of the same bins; null when empty. */
  psi(reference: readonly number[]): number | null {
    return this.size === 0 ? null : populationStabilityIndex(this.binCounts, this.size, reference);
  }
}
