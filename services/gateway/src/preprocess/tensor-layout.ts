/**
 * Turns decoded pixels (interleaved HWC, 8-bit, GRAY or RGB as sharp returns them) into one model input item
 * in the spec's channel order, layout and datatype. Pure functions, no sharp.
 */
import type { ImageSpec } from './image-spec';

export interface TensorItem {
  /** One item, no batch dimension; FP32 as little-endian floats. */
  data: Buffer;
  /** [C, H, W] or [H, W, C]. */
  shape: number[];
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * @param pixels interleaved HWC bytes, `spec.width * spec.height * spec.channels` long; RGB order when 3 channels.
 *   UINT8 with a matching layout returns a view on `pixels` without copying.
 */
export function toTensorItem(pixels: Buffer, spec: ImageSpec): TensorItem {
  const { width, height, channels } = spec;
  const plane = width * height;
  if (pixels.length !== plane * channels) {
    throw new Error(
      `decoded ${pixels.length} bytes, expected ${plane * channels} (${width}x${height}x${channels})`,
    );
  }
  const shape = spec.layout === 'CHW' ? [channels, height, width] : [height, width, channels];
  // Source channel feeding each output channel: BGR reads R from 2 and B from 0.
  const sourceChannel = spec.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const reordered = spec.channelOrder === 'BGR';
  const transposed = spec.layout === 'CHW' && channels > 1;

  if (spec.datatype === 'UINT8') {
    if (!reordered && !transposed) return { data: pixels, shape };
    const out = Buffer.allocUnsafe(pixels.length);
    for (let c = 0; c < channels; c++) {
      const from = sourceChannel[c] ?? c;
      if (transposed) {
        for (let i = 0, o = c * plane; i < plane; i++, o++) out[o] = pixels[i * channels + from] ?? 0;
      } else {
        for (let i = 0; i < plane; i++) out[i * channels + c] = pixels[i * channels + from] ?? 0;
      }
    }
    return { data: out, shape };
  }

  const norm = spec.normalization;
  if (norm === undefined) throw new Error('FP32 image spec without normalization');
  const floats = new Float32Array(pixels.length);
  for (let c = 0; c < channels; c++) {
    const from = sourceChannel[c] ?? c;
    // Per-channel lookup table: 256 values, so the per-pixel work is one load (exactly the same float math).
    const lut = new Float32Array(256);
    const mean = norm.mean[c] ?? 0;
    const std = norm.std[c] ?? 1;
    for (let v = 0; v < 256; v++) lut[v] = (v * norm.scale - mean) / std;
    for (let i = 0; i < plane; i++) {
      const o = transposed ? c * plane + i : i * channels + c;
      floats[o] = lut[pixels[i * channels + from] ?? 0] ?? 0;
    }
  }
  return { data: float32ToLittleEndian(floats), shape };
}

function float32ToLittleEndian(values: Float32Array): Buffer {
  const view = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  if (LITTLE_ENDIAN) return view;
  const out = Buffer.allocUnsafe(values.byteLength);
  for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i] ?? 0, i * 4);
  return out;
}
