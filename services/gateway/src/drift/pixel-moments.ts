/** Mean and population standard deviation of one image tensor's values. */
export interface PixelMoments {
  mean: number;
  std: number;
}

/**
 * Mean and population standard deviation of all values of a UINT8 tensor, in one pass over the bytes: the
 * per-image statistics the trainer's reference was computed with (`x.reshape(n, -1)` then `mean(1)`, `std(1)`,
 * all channels together). Written into `out` as [mean, std] so the hot path allocates nothing; sums are exact
 * integers in a double for tensors up to 2^53 / 255^2 ≈ 138 M values.
 */
export function pixelMoments(bytes: Uint8Array, out: Float64Array): void {
  const n = bytes.length;
  if (n === 0) {
    out[0] = Number.NaN;
    out[1] = Number.NaN;
    return;
  }
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const v = bytes[i]!;
    sum += v;
    squares += v * v;
  }
  const mean = sum / n;
  out[0] = mean;
  out[1] = Math.sqrt(Math.max(0, squares / n - mean * mean));
}
