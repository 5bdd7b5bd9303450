import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { ImagePreprocessor } from './image-preprocessor';
import type { ImageSpec } from './image-spec';

const REPO_ROOT = path.resolve(__dirname, '../../../..');
const DATASETS = path.resolve(REPO_ROOT, '../shared/datasets');

/** First image (sorted) of each class folder of a dataset. */
function firstImagePerClass(dataset: string): { label: string; file: string }[] {
  const root = path.join(DATASETS, dataset, 'images');
  return readdirSync(root)
    .sort()
    .map((label) => ({
      label,
      file: path.join(root, label, readdirSync(path.join(root, label)).sort()[0]!),
    }));
}

const gray = (width: number, height: number, extra: Partial<ImageSpec> = {}): ImageSpec => ({
  width,
  height,
  channels: 1,
  channelOrder: 'GRAY',
  layout: 'CHW',
  datatype: 'UINT8',
  resizeFit: 'fill',
  resizeKernel: 'linear',
  ...extra,
});
const rgb = (width: number, height: number, extra: Partial<ImageSpec> = {}): ImageSpec => ({
  ...gray(width, height),
  channels: 3,
  channelOrder: 'RGB',
  ...extra,
});

const preprocessor = new ImagePreprocessor({ maxInputBytes: 4 * 1024 * 1024, maxInputPixels: 25_000_000 });

describe('ImagePreprocessor on dataset images', () => {
  it.each(firstImagePerClass('infrared_solar_modules'))(
    'thermal $label: 24x40 JPEG → [1, 40, 24] UINT8, same bytes as sharp',
    async ({ file }) => {
      const bytes = readFileSync(file);
      const out = await preprocessor.preprocess(bytes, gray(24, 40));
      expect(out.shape).toEqual([1, 40, 24]);
      expect(out.source).toEqual({ format: 'jpeg', width: 24, height: 40, channels: 1, bitsPerSample: 8 });
      expect(out.decoder).toBe('tiny-jpeg');
      const reference = await sharp(bytes, { failOn: 'error' }).toColourspace('b-w').raw().toBuffer();
      expect(out.data.equals(reference)).toBe(true);
    },
  );

  it('thermal image at another size goes through sharp and is resized', async () => {
    const [first] = firstImagePerClass('infrared_solar_modules');
    const out = await preprocessor.preprocess(readFileSync(first!.file), gray(48, 80));
    expect(out.decoder).toBe('sharp');
    expect(out.shape).toEqual([1, 80, 48]);
    expect(out.data.length).toBe(48 * 80);
  });

  it.each(firstImagePerClass('magnetic_tile'))(
    'magnetic tile $label: variable-size JPEG → [1, 256, 256] with lanczos3 fill',
    async ({ file }) => {
      const bytes = readFileSync(file);
      const meta = await sharp(bytes).metadata();
      const out = await preprocessor.preprocess(bytes, gray(256, 256, { resizeKernel: 'lanczos3' }));
      expect(out.shape).toEqual([1, 256, 256]);
      expect(out.source).toEqual({
        format: 'jpeg',
        width: meta.width,
        height: meta.height,
        channels: 1,
        bitsPerSample: 8,
      });
      const reference = await sharp(bytes)
        .resize(256, 256, { fit: 'fill', kernel: 'lanczos3', fastShrinkOnLoad: false })
        .toColourspace('b-w')
        .raw()
        .toBuffer();
      expect(out.data.equals(reference)).toBe(true);
      expect(out.timings.decodeMs).toBeGreaterThan(0);
      expect(out.timings.preprocessMs).toBeGreaterThanOrEqual(0);
    },
  );

  it('a grayscale tile for an RGB model repeats the gray value in every channel (HWC)', async () => {
    const [first] = firstImagePerClass('magnetic_tile');
    const bytes = readFileSync(first!.file);
    const grayOut = await preprocessor.preprocess(bytes, gray(64, 64, { layout: 'HWC' }));
    const rgbOut = await preprocessor.preprocess(bytes, rgb(64, 64, { layout: 'HWC' }));
    expect(rgbOut.shape).toEqual([64, 64, 3]);
    for (let i = 0; i < 64 * 64; i++) {
      const g = grayOut.data[i];
      expect([rgbOut.data[i * 3], rgbOut.data[i * 3 + 1], rgbOut.data[i * 3 + 2]]).toEqual([g, g, g]);
    }
  });

  it('a colour image for a GRAY model becomes PIL-style luma (ITU-R 601-2), not libvips b-w', async () => {
    const [width, height] = [40, 30];
    const pixels = Buffer.alloc(width * height * 3);
    for (let i = 0; i < width * height; i++) {
      // Saturated colours, where the two conversions differ most, plus a gray ramp.
      const kind = i % 4;
      pixels.set(
        kind === 3
          ? [i % 256, i % 256, i % 256]
          : [kind === 0 ? 230 : 10, kind === 1 ? 220 : 20, 200 * (kind === 2 ? 1 : 0)],
        i * 3,
      );
    }
    const png = await sharp(pixels, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer();
    const out = await preprocessor.preprocess(png, gray(width, height));
    expect(out.source.channels).toBe(3);
    expect(out.shape).toEqual([1, height, width]);
    let maxVsBw = 0;
    const bw = await sharp(png).toColourspace('b-w').raw().toBuffer();
    for (let i = 0; i < width * height; i++) {
      const [r, g, b] = [pixels[i * 3]!, pixels[i * 3 + 1]!, pixels[i * 3 + 2]!];
      // PIL's convert('L'): (R*19595 + G*38470 + B*7471 + 0x8000) >> 16.
      expect(out.data[i]).toBe((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
      maxVsBw = Math.max(maxVsBw, Math.abs(out.data[i]! - bw[i]!));
    }
    expect(maxVsBw).toBeGreaterThan(20); // the libvips conversion would have been far off
  });

  it('a 16-bit colour PNG for a GRAY model scales to 8 bits before the luma step', async () => {
    const [width, height] = [8, 8];
    const samples = new Uint16Array(width * height * 3);
    for (let i = 0; i < width * height; i++) samples.set([65535, 32896, 0], i * 3); // 255, 128, 0 in 8 bits
    const png16 = await sharp(samples, { raw: { width, height, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    const out = await preprocessor.preprocess(png16, gray(width, height));
    expect(out.source.bitsPerSample).toBe(16);
    expect([...new Set(out.data)]).toEqual([(255 * 19595 + 128 * 38470 + 0x8000) >> 16]);
  });

  it('FP32 applies (pixel * scale - mean) / std to the UINT8 pixels', async () => {
    const [first] = firstImagePerClass('magnetic_tile');
    const bytes = readFileSync(first!.file);
    const normalization = { mean: [0.5], std: [0.25], scale: 1 / 255 };
    const u8 = await preprocessor.preprocess(bytes, gray(32, 32));
    const f32 = await preprocessor.preprocess(bytes, gray(32, 32, { datatype: 'FP32', normalization }));
    expect(f32.data.length).toBe(32 * 32 * 4);
    for (let i = 0; i < 32 * 32; i++) {
      expect(f32.data.readFloatLE(i * 4)).toBe(Math.fround((u8.data[i]! / 255 - 0.5) / 0.25));
    }
  });
});

describe('ImagePreprocessor on generated images', () => {
  it.each(['nearest', 'linear', 'cubic', 'lanczos3'] as const)(
    'a uniform grey image stays uniform (%s)',
    async (k) => {
      const png = await sharp({ create: { width: 37, height: 53, channels: 3, background: '#808080' } })
        .png()
        .toBuffer();
      for (const spec of [gray(16, 16, { resizeKernel: k }), rgb(100, 90, { resizeKernel: k })]) {
        const out = await preprocessor.preprocess(png, spec);
        expect(out.data.every((v) => v === 128)).toBe(true);
      }
    },
  );

  it("fit 'contain' letterboxes with black, 'cover' crops the centre", async () => {
    const white = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    const contained = await preprocessor.preprocess(
      white,
      gray(20, 20, { resizeFit: 'contain', resizeKernel: 'nearest' }),
    );
    const rows = Array.from({ length: 20 }, (_, y) => contained.data[y * 20 + 10]);
    expect(rows).toEqual([...Array(5).fill(0), ...Array(10).fill(255), ...Array(5).fill(0)]);
    // Left half black, right half white; the centre 20x20 crop keeps 10 black and 10 white columns.
    const halves = Buffer.alloc(40 * 20);
    for (let y = 0; y < 20; y++) halves.fill(255, y * 40 + 20, y * 40 + 40);
    const png = await sharp(halves, { raw: { width: 40, height: 20, channels: 1 } })
      .png()
      .toBuffer();
    const covered = await preprocessor.preprocess(
      png,
      gray(20, 20, { resizeFit: 'cover', resizeKernel: 'nearest' }),
    );
    expect([...covered.data.subarray(0, 20)]).toEqual([...Array(10).fill(0), ...Array(10).fill(255)]);
  });

  it('16-bit grayscale PNG: the full 16-bit range maps onto 0..255', async () => {
    const values = new Uint16Array(256);
    for (let i = 0; i < 256; i++) values[i] = i * 257; // 0, 257, ..., 65535
    values[1] = 32768;
    const png16 = await sharp(values, { raw: { width: 256, height: 1, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const out = await preprocessor.preprocess(png16, gray(256, 1, { resizeKernel: 'nearest' }));
    expect(out.source).toEqual({ format: 'png', width: 256, height: 1, channels: 1, bitsPerSample: 16 });
    expect(out.data[0]).toBe(0);
    expect(out.data[255]).toBe(255);
    expect(Math.abs(out.data[1]! - 128)).toBeLessThanOrEqual(1);
    for (let i = 2; i < 256; i++) expect(Math.abs(out.data[i]! - i)).toBeLessThanOrEqual(1);
  });

  it('16-bit TIFF from a thermal camera decodes with its range kept', async () => {
    const values = new Uint16Array([0, 8192, 32768, 65535]);
    const tiff = await sharp(values, { raw: { width: 4, height: 1, channels: 1 } })
      .toColourspace('grey16')
      .tiff({ compression: 'lzw' })
      .toBuffer();
    const out = await preprocessor.preprocess(tiff, gray(4, 1, { resizeKernel: 'nearest' }));
    expect(out.source).toEqual({ format: 'tiff', width: 4, height: 1, channels: 1, bitsPerSample: 16 });
    expect(out.data[0]).toBe(0);
    expect(Math.abs(out.data[1]! - 32)).toBeLessThanOrEqual(1);
    expect(Math.abs(out.data[2]! - 128)).toBeLessThanOrEqual(1);
    expect(out.data[3]).toBe(255);
  });

  it('8-bit TIFF and WebP decode to the same pixels as PNG', async () => {
    const pixels = Buffer.from(Array.from({ length: 48 }, (_, i) => i * 5));
    const image = () => sharp(pixels, { raw: { width: 4, height: 4, channels: 3 } });
    const png = await preprocessor.preprocess(await image().png().toBuffer(), rgb(4, 4, { layout: 'HWC' }));
    for (const bytes of [
      await image().tiff({ compression: 'lzw' }).toBuffer(),
      await image().webp({ lossless: true }).toBuffer(),
    ]) {
      expect((await preprocessor.preprocess(bytes, rgb(4, 4, { layout: 'HWC' }))).data).toEqual(png.data);
    }
  });

  it('applies EXIF orientation 6 (rotate 90° clockwise) before resizing', async () => {
    // 2 wide x 3 high: rows red|green, blue|yellow, cyan|magenta.
    const pixels = Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 0, 0, 255, 255, 255, 0, 255]);
    const png = await sharp(pixels, { raw: { width: 2, height: 3, channels: 3 } })
      .withMetadata({ orientation: 6 })
      .png()
      .toBuffer();
    expect((await sharp(png).metadata()).orientation).toBe(6);
    const out = await preprocessor.preprocess(png, rgb(3, 2, { layout: 'HWC', resizeKernel: 'nearest' }));
    expect(out.source.width).toBe(2); // as stored
    // Upright 3 wide x 2 high: cyan, blue, red / magenta, yellow, green.
    expect([...out.data]).toEqual([0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 0, 255, 255, 255, 0, 0, 255, 0]);
  });

  describe('layout and channel order on a 2x2 RGB image', () => {
    const pixels = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const png = () =>
      sharp(pixels, { raw: { width: 2, height: 2, channels: 3 } })
        .png()
        .toBuffer();
    it.each([
      ['RGB', 'HWC', [2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]],
      ['RGB', 'CHW', [3, 2, 2], [1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12]],
      ['BGR', 'HWC', [2, 2, 3], [3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10]],
      ['BGR', 'CHW', [3, 2, 2], [3, 6, 9, 12, 2, 5, 8, 11, 1, 4, 7, 10]],
    ] as const)('%s %s', async (channelOrder, layout, shape, expected) => {
      const out = await preprocessor.preprocess(
        await png(),
        rgb(2, 2, { channelOrder, layout, resizeKernel: 'nearest' }),
      );
      expect(out.shape).toEqual(shape);
      expect([...out.data]).toEqual(expected);
    });
  });
});
