/**
 * The integer inverse DCT that libjpeg(-turbo) uses by default (JDCT_ISLOW: the Loeffler–Ligtenberg–Moschytz
 * algorithm, 13-bit constants, 2 extra bits of precision between the passes), written here from its published
 * description so the tiny-JPEG fast path produces the same bytes as sharp.
 *
 * libjpeg-turbo runs this transform in C or with SIMD (16-bit lanes, saturating packs). The two agree whenever
 * the intermediate values fit those lanes, which every block a real encoder writes does. Blocks outside those
 * bounds are reported (`false`) so the caller hands the whole image to sharp instead of guessing.
 */

const CONST_BITS = 13;
const PASS1_BITS = 2;
const fix = (x: number): number => Math.round(x * (1 << CONST_BITS));

const F_0_298631336 = fix(0.298631336);
const F_0_390180644 = fix(0.390180644);
const F_0_541196100 = fix(0.5411961);
const F_0_765366865 = fix(0.765366865);
const F_0_899976223 = fix(0.899976223);
const F_1_175875602 = fix(1.175875602);
const F_1_501321110 = fix(1.50132111);
const F_1_847759065 = fix(1.847759065);
const F_1_961570560 = fix(1.96157056);
const F_2_053119869 = fix(2.053119869);
const F_2_562915447 = fix(2.562915447);
const F_3_072711026 = fix(3.072711026);

/** Largest |dequantized coefficient| a real 8-bit encoder writes is about 2 200; beyond this, let sharp decode. */
export const MAX_DEQUANTIZED = 4095;
/** Pass-1 results must fit comfortably in the 16-bit lanes of the SIMD implementation. */
const MAX_WORKSPACE = 16383;
/** Final values in [-512, 511] are clamped identically by the C range-limit table and the SIMD saturating packs. */
const MIN_OUTPUT = -512;
const MAX_OUTPUT = 511;

/** Rounding right shift of an integer-valued double (exact: every value here stays far below 2^53). */
function descale(x: number, bits: number): number {
  return Math.floor((x + 2 ** (bits - 1)) / 2 ** bits);
}

/**
 * One 8x8 block: `coef` holds dequantized coefficients in natural (row-major) order; writes 64 samples into
 * `out` at `offset` with row stride `stride`. Returns false (and may leave partial output) when a value falls
 * outside the bounds where libjpeg's C and SIMD transforms are known to agree.
 */
export function idctIslowBlock(
  coef: Int32Array,
  workspace: Int32Array,
  out: Uint8Array,
  offset: number,
  stride: number,
): boolean {
  // Pass 1: columns, from coefficients into the workspace, scaled up by 2^PASS1_BITS.
  for (let col = 0; col < 8; col++) {
    const c = (k: number): number => coef[k * 8 + col] ?? 0;
    const r = idct1d(c(0), c(1), c(2), c(3), c(4), c(5), c(6), c(7), CONST_BITS - PASS1_BITS);
    for (let k = 0; k < 8; k++) {
      const v = r[k] ?? 0;
      if (v > MAX_WORKSPACE || v < -MAX_WORKSPACE) return false;
      workspace[k * 8 + col] = v;
    }
  }
  // Pass 2: rows, from the workspace into samples; removes the 2^PASS1_BITS and the 8x DCT scale.
  for (let row = 0; row < 8; row++) {
    const w = (k: number): number => workspace[row * 8 + k] ?? 0;
    const r = idct1d(w(0), w(1), w(2), w(3), w(4), w(5), w(6), w(7), CONST_BITS + PASS1_BITS + 3);
    const base = offset + row * stride;
    for (let k = 0; k < 8; k++) {
      const v = r[k] ?? 0;
      if (v < MIN_OUTPUT || v > MAX_OUTPUT) return false;
      // Level shift by +128, then clamp to 0..255 (what both range limiters do inside the bounds above).
      out[base + k] = v < -128 ? 0 : v > 127 ? 255 : v + 128;
    }
  }
  return true;
}

const result = [0, 0, 0, 0, 0, 0, 0, 0];

/** One 8-point pass: even part (inputs 0, 2, 4, 6) and odd part (1, 3, 5, 7), then a rounding descale. */
function idct1d(
  in0: number,
  in1: number,
  in2: number,
  in3: number,
  in4: number,
  in5: number,
  in6: number,
  in7: number,
  shift: number,
): number[] {
  // Even part: the rotator is sqrt(2)*c(-6).
  const z1 = (in2 + in6) * F_0_541196100;
  const even2 = z1 - in6 * F_1_847759065;
  const even3 = z1 + in2 * F_0_765366865;
  const even0 = (in0 + in4) * (1 << CONST_BITS);
  const even1 = (in0 - in4) * (1 << CONST_BITS);
  const t10 = even0 + even3;
  const t13 = even0 - even3;
  const t11 = even1 + even2;
  const t12 = even1 - even2;

  // Odd part, inputs in reverse order as in the forward transform's butterfly.
  const a0 = in7;
  const a1 = in5;
  const a2 = in3;
  const a3 = in1;
  const z5 = (a0 + a2 + (a1 + a3)) * F_1_175875602;
  const za = (a0 + a3) * -F_0_899976223;
  const zb = (a1 + a2) * -F_2_562915447;
  const zc = (a0 + a2) * -F_1_961570560 + z5;
  const zd = (a1 + a3) * -F_0_390180644 + z5;
  const odd0 = a0 * F_0_298631336 + za + zc;
  const odd1 = a1 * F_2_053119869 + zb + zd;
  const odd2 = a2 * F_3_072711026 + zb + zc;
  const odd3 = a3 * F_1_501321110 + za + zd;

  result[0] = descale(t10 + odd3, shift);
  result[7] = descale(t10 - odd3, shift);
  result[1] = descale(t11 + odd2, shift);
  result[6] = descale(t11 - odd2, shift);
  result[2] = descale(t12 + odd1, shift);
  result[5] = descale(t12 - odd1, shift);
  result[3] = descale(t13 + odd0, shift);
  result[4] = descale(t13 - odd0, shift);
  return result;
}
