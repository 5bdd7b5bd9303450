import { toTensorItem } from './tensor-layout';
import type { ImageSpec } from './image-spec';

const base: ImageSpec = {
  width: 2,
  height: 1,
  channels: 3,
  channelOrder: 'RGB',
  layout: 'HWC',
  datatype: 'UINT8',
  resizeFit: 'fill',
  resizeKernel: 'nearest',
};
const pixels = Buffer.from([10, 20, 30, 40, 50, 60]); // two RGB pixels

const floats = (data: Buffer): number[] =>
  Array.from({ length: data.length / 4 }, (_, i) => data.readFloatLE(i * 4));

describe('toTensorItem', () => {
  it('returns the decoded buffer itself when nothing changes (UINT8, HWC, RGB)', () => {
    expect(toTensorItem(pixels, base).data).toBe(pixels);
  });

  it('normalizes FP32 per channel after the BGR swap and CHW transposition', () => {
    const spec: ImageSpec = {
      ...base,
      channelOrder: 'BGR',
      layout: 'CHW',
      datatype: 'FP32',
      normalization: { mean: [1, 2, 3], std: [2, 4, 8], scale: 0.5 },
    };
    const item = toTensorItem(pixels, spec);
    expect(item.shape).toEqual([3, 1, 2]);
    // channel 0 = B: (30*0.5-1)/2, (60*0.5-1)/2; channel 1 = G: (10-2)/4, (25-2)/4; channel 2 = R: (5-3)/8, (20-3)/8
    expect(floats(item.data)).toEqual([7, 14.5, 2, 5.75, 0.25, 2.125]);
  });

  it('treats 1-channel CHW and HWC the same, only the shape differs', () => {
    const gray: ImageSpec = { ...base, channels: 1, channelOrder: 'GRAY', width: 3, height: 2 };
    const data = Buffer.from([1, 2, 3, 4, 5, 6]);
    expect(toTensorItem(data, { ...gray, layout: 'CHW' })).toEqual({ data, shape: [1, 2, 3] });
    expect(toTensorItem(data, { ...gray, layout: 'HWC' })).toEqual({ data, shape: [2, 3, 1] });
  });

  it('refuses a buffer of the wrong size', () => {
    expect(() => toTensorItem(Buffer.alloc(5), base)).toThrow('expected 6');
  });
});
