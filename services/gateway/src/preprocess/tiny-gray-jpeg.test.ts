import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import sharp from 'sharp';
import { decodeTinyGrayJpeg } from './tiny-gray-jpeg';

const THERMAL = path.resolve(__dirname, '../../../..', '../shared/datasets/infrared_solar_modules/images');

/** What the sharp path produces for a grayscale image at its own size, or undefined when sharp refuses it. */
async function sharpGray(bytes: Buffer): Promise<Buffer | undefined> {
  try {
    return await sharp(bytes, { failOn: 'error' }).toColourspace('b-w').raw().toBuffer();
  } catch {
    return undefined;
  }
}

/** Every 40th image of every class: about 400 of the 16 005 (the whole set was checked once by hand). */
const sample = readdirSync(THERMAL)
  .sort()
  .flatMap((label) =>
    readdirSync(path.join(THERMAL, label))
      .sort()
      .filter((_, i) => i % 40 === 0)
      .map((file) => path.join(THERMAL, label, file)),
  );

describe('decodeTinyGrayJpeg', () => {
  it('decodes thermal dataset images to exactly the bytes sharp produces', async () => {
    expect(sample.length).toBeGreaterThan(300);
    for (const file of sample) {
      const bytes = readFileSync(file);
      const fast = decodeTinyGrayJpeg(bytes, 4096);
      expect(fast).toBeDefined();
      expect(fast!.width * fast!.height).toBe(960);
      expect(fast!.pixels.equals((await sharpGray(bytes))!)).toBe(true);
    }
  });

  it('matches sharp on extreme synthetic images (noise, checkerboards, odd sizes, quality 1..100)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 64 }),
        fc.constantFrom(1, 10, 50, 75, 95, 100),
        fc.constantFrom('noise', 'checker', 'binary', 'ramp'),
        fc.integer(),
        async (width, height, quality, pattern, seed) => {
          const pixels = Buffer.alloc(width * height);
          let state = seed >>> 0;
          for (let i = 0; i < pixels.length; i++) {
            state = (Math.imul(state, 1103515245) + 12345) >>> 0;
            const x = i % width;
            const y = Math.floor(i / width);
            pixels[i] =
              pattern === 'noise'
                ? state >>> 24
                : pattern === 'checker'
                  ? ((x + y) & 1) * 255
                  : pattern === 'binary'
                    ? (state >>> 31) * 255
                    : (x * 7 + y * 3) & 255;
          }
          const jpeg = await sharp(pixels, { raw: { width, height, channels: 1 } })
            .toColourspace('b-w')
            .jpeg({ quality })
            .toBuffer();
          const fast = decodeTinyGrayJpeg(jpeg, 4096);
          expect(fast).toBeDefined(); // a plain encoder's output must take the fast path
          expect(fast!.pixels.equals((await sharpGray(jpeg))!)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('on corrupted thermal JPEGs either steps aside or returns what sharp returns', async () => {
    const originals = sample.slice(0, 50).map((file) => readFileSync(file));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...originals),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        async (original, edits) => {
          const bytes = Buffer.from(original);
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          const fast = decodeTinyGrayJpeg(bytes, 4096);
          if (fast === undefined) return;
          const reference = await sharpGray(bytes);
          expect(reference).toBeDefined(); // never accept what sharp (failOn 'error') refuses
          expect(fast.pixels.equals(reference!)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('steps aside for what it does not handle', async () => {
    const [first] = sample;
    const plain = readFileSync(first!);
    const rgb = await sharp({ create: { width: 24, height: 40, channels: 3, background: '#336699' } })
      .jpeg()
      .toBuffer();
    const progressive = await sharp(plain).toColourspace('b-w').jpeg({ progressive: true }).toBuffer();
    const withExif = await sharp(plain)
      .toColourspace('b-w')
      .withMetadata({ orientation: 3 })
      .jpeg()
      .toBuffer();
    const trailing = Buffer.concat([plain, Buffer.from([0, 0, 0])]);
    for (const bytes of [rgb, progressive, withExif, trailing, plain.subarray(0, plain.length - 2)]) {
      expect(decodeTinyGrayJpeg(bytes, 4096)).toBeUndefined();
    }
    expect(decodeTinyGrayJpeg(plain, 959)).toBeUndefined(); // 24x40 = 960 pixels is over this limit
  });
});
