import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import sharp from 'sharp';
import {
  InputError,
  PayloadTooLargeError,
  UndecodableImageError,
  UnsupportedMediaTypeError,
} from '../domain/errors';
import { ImagePreprocessor } from './image-preprocessor';
import type { ImageSpec } from './image-spec';

const DATASETS = path.resolve(__dirname, '../../../..', '../shared/datasets');
const firstImage = (dataset: string, label: string): Buffer => {
  const dir = path.join(DATASETS, dataset, 'images', label);
  return readFileSync(path.join(dir, readdirSync(dir).sort()[0]!));
};

const ALLOWED = [InputError, PayloadTooLargeError, UnsupportedMediaTypeError, UndecodableImageError];
const MAGIC = {
  none: [],
  jpeg: [0xff, 0xd8, 0xff],
  png: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  tiffLE: [0x49, 0x49, 0x2a, 0x00],
  tiffBE: [0x4d, 0x4d, 0x00, 0x2a],
  webp: [0x52, 0x49, 0x46, 0x46, 0x20, 0, 0, 0, 0x57, 0x45, 0x42, 0x50],
};

const specs: ImageSpec[] = [
  {
    width: 24,
    height: 40,
    channels: 1,
    channelOrder: 'GRAY',
    layout: 'CHW',
    datatype: 'UINT8',
    resizeFit: 'fill',
    resizeKernel: 'linear',
  },
  {
    width: 32,
    height: 32,
    channels: 3,
    channelOrder: 'BGR',
    layout: 'CHW',
    datatype: 'FP32',
    resizeFit: 'contain',
    resizeKernel: 'lanczos3',
    normalization: { mean: [0.4, 0.5, 0.6], std: [0.2, 0.2, 0.2], scale: 1 / 255 },
  },
];

const preprocessor = new ImagePreprocessor({
  maxInputBytes: 1024 * 1024,
  maxInputPixels: 4_000_000,
  decodeTimeoutSeconds: 5,
});

/** Resolves, or rejects with one of the four client error classes: nothing else, and within the run timeout. */
async function outcomeIsClean(bytes: Buffer, spec: ImageSpec): Promise<void> {
  try {
    const out = await preprocessor.preprocess(bytes, spec);
    const perPixel = spec.datatype === 'FP32' ? 4 : 1;
    expect(out.data.length).toBe(spec.width * spec.height * spec.channels * perPixel);
  } catch (err) {
    if (!ALLOWED.some((type) => err instanceof type)) throw err;
  }
}

describe('ImagePreprocessor with hostile bytes (property-based)', () => {
  it('random bytes, with or without an accepted magic prefix, only ever give a clean 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.values(MAGIC)),
        fc.uint8Array({ maxLength: 3000 }),
        fc.constantFrom(...specs),
        async (magic, body, spec) => outcomeIsClean(Buffer.concat([Buffer.from(magic), body]), spec),
      ),
      { numRuns: 250, timeout: 10_000 },
    );
  });

  it('random truncations of real dataset JPEGs are refused cleanly', async () => {
    const originals = [
      firstImage('magnetic_tile', 'Blowhole'),
      firstImage('infrared_solar_modules', 'Diode'),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...originals),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(...specs),
        async (original, fraction, spec) => {
          const cut = Math.min(original.length - 1, Math.floor(original.length * fraction));
          const error: unknown = await preprocessor
            .preprocess(original.subarray(0, cut), spec)
            .catch((e: unknown) => e);
          expect(ALLOWED.some((type) => error instanceof type)).toBe(true);
        },
      ),
      { numRuns: 120, timeout: 10_000 },
    );
  });

  it('random byte edits of real JPEG, PNG and TIFF images only ever give a result or a clean 4xx', async () => {
    const tile = firstImage('magnetic_tile', 'Fray');
    const originals = [
      tile,
      firstImage('infrared_solar_modules', 'Soiling'),
      await sharp(tile).resize(64, 64).png().toBuffer(),
      await sharp(tile).resize(64, 64).tiff({ compression: 'lzw' }).toBuffer(),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...originals),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.constantFrom(...specs),
        async (original, edits, spec) => {
          const bytes = Buffer.from(original);
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          await outcomeIsClean(bytes, spec);
        },
      ),
      { numRuns: 150, timeout: 10_000 },
    );
  });
});
