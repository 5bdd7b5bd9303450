import sharp from 'sharp';
import { heatmapPng } from './heatmap-png';

describe('heatmapPng', () => {
  it('writes one grey pixel per cell, value × 255, clamped, NaN as black', async () => {
    const values = Float32Array.from([0, 0.5, 1, 2, -1, NaN]);
    const png = await heatmapPng(values, 3, 2);
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', 3, 2, 1]);
    // sharp widens to sRGB on raw output unless told to keep the single channel.
    const { data } = await sharp(png).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    expect([...data]).toEqual([0, 128, 255, 255, 0, 0]);
  });

  it('refuses values that do not fill the grid', async () => {
    await expect(heatmapPng(Float32Array.from([1, 2, 3]), 2, 2)).rejects.toThrow(/3 values, expected 2 × 2/);
  });
});
