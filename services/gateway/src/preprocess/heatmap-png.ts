/**
 * A localization heatmap as a small greyscale PNG for the response (`heatmap=true`): one pixel per heatmap cell,
 * value × 255 (clamped to 0–255; NaN is 0), row-major as the model returns it. Here because sharp is used only in
 * this folder.
 */
import sharp from 'sharp';
import type { Values } from '../postprocess/decision-types';

export async function heatmapPng(values: Values, width: number, height: number): Promise<Buffer> {
  if (values.length !== width * height)
    throw new RangeError(`heatmap has ${values.length} values, expected ${height} × ${width}`);
  const pixels = Buffer.alloc(width * height);
  for (let i = 0; i < pixels.length; i++) {
    const v = Number(values[i]);
    pixels[i] = Number.isFinite(v) ? Math.round(Math.min(1, Math.max(0, v)) * 255) : 0;
  }
  return sharp(pixels, { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: 9 })
    .toBuffer();
}
