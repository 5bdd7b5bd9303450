import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
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
const TILE = firstImage('magnetic_tile', 'Crack');
const THERMAL = firstImage('infrared_solar_modules', 'Hot-Spot');

const spec: ImageSpec = {
  width: 24,
  height: 40,
  channels: 1,
  channelOrder: 'GRAY',
  layout: 'CHW',
  datatype: 'UINT8',
  resizeFit: 'fill',
  resizeKernel: 'linear',
};
const preprocessor = new ImagePreprocessor({ maxInputBytes: 2 * 1024 * 1024, maxInputPixels: 16_000_000 });

// --- a hand-written PNG and TIFF, for shapes sharp will not write (a 1-bit bomb, float samples) ---
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
/** A complete, valid 1-bit grayscale PNG of a uniform black image: tiny on disk, huge in pixels. */
function pngBomb(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([1, 0, 0, 0, 0], 8); // bit depth 1, grayscale, deflate, adaptive filtering, no interlace
  const rows = Buffer.alloc(height * (1 + Math.ceil(width / 8))); // filter byte 0 + zero bits per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
/** A little-endian, uncompressed, one-strip TIFF with 32-bit float gray samples (radiometric cameras). */
function floatTiff(values: number[]): Buffer {
  const entries: [number, number, number][] = [
    [256, 3, values.length], // ImageWidth
    [257, 3, 1], // ImageLength
    [258, 3, 32], // BitsPerSample
    [259, 3, 1], // Compression: none
    [262, 3, 1], // Photometric: black is zero
    [273, 4, 8], // StripOffsets: pixels right after the header
    [277, 3, 1], // SamplesPerPixel
    [278, 3, 1], // RowsPerStrip
    [279, 4, values.length * 4], // StripByteCounts
    [339, 3, 3], // SampleFormat: IEEE float
  ];
  const pixels = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => pixels.writeFloatLE(v, i * 4));
  const ifd = Buffer.alloc(2 + entries.length * 12 + 4);
  ifd.writeUInt16LE(entries.length, 0);
  entries.forEach(([tag, type, value], i) => {
    ifd.writeUInt16LE(tag, 2 + i * 12);
    ifd.writeUInt16LE(type, 4 + i * 12);
    ifd.writeUInt32LE(1, 6 + i * 12);
    if (type === 3) ifd.writeUInt16LE(value, 10 + i * 12);
    else ifd.writeUInt32LE(value, 10 + i * 12);
  });
  const header = Buffer.from([0x49, 0x49, 0x2a, 0, 0, 0, 0, 0]);
  header.writeUInt32LE(8 + pixels.length, 4);
  return Buffer.concat([header, pixels, ifd]);
}

describe('ImagePreprocessor rejections', () => {
  it('empty body → InputError', async () => {
    await expect(preprocessor.preprocess(Buffer.alloc(0), spec)).rejects.toThrow(InputError);
  });

  it('more bytes than maxInputBytes → 413 before anything is parsed', async () => {
    const small = new ImagePreprocessor({ maxInputBytes: 1000, maxInputPixels: 1_000_000 });
    await expect(small.preprocess(TILE, spec)).rejects.toThrow(PayloadTooLargeError);
  });

  it.each([
    ['BMP', Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)])],
    ['SVG/XML', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>')],
    ['PDF', Buffer.from('%PDF-1.7\n...')],
    ['unknown', Buffer.from('hello, this is not an image')],
  ])('%s → 415 naming what was seen', async (seen, bytes) => {
    const error: unknown = await preprocessor.preprocess(bytes, spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedMediaTypeError);
    expect((error as Error).message).toContain(seen);
  });

  it('GIF (which sharp could decode) → 415: the type comes from magic bytes, not from what sharp accepts', async () => {
    const gif = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#123456' } })
      .gif()
      .toBuffer();
    await expect(preprocessor.preprocess(gif, spec)).rejects.toThrow(UnsupportedMediaTypeError);
  });

  it('TIFF with float samples → 415 (would otherwise be clipped to 0..255)', async () => {
    const tiff = floatTiff([21.5, 22, 35.25, 40]);
    expect((await sharp(tiff).metadata()).depth).toBe('float');
    await expect(preprocessor.preprocess(tiff, spec)).rejects.toThrow(UnsupportedMediaTypeError);
  });

  it.each([
    ['tile JPEG cut in half', TILE.subarray(0, TILE.length >> 1)],
    ['thermal JPEG cut before its last bytes', THERMAL.subarray(0, THERMAL.length - 40)],
    ['JPEG header only', TILE.subarray(0, 300)],
    ['JPEG magic and garbage', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(200, 7)])],
    [
      'PNG signature and garbage',
      Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(40, 1)]),
    ],
    ['TIFF magic and garbage', Buffer.concat([Buffer.from('49492a00', 'hex'), Buffer.alloc(40, 9)])],
  ])('%s → 422', async (_name, bytes) => {
    await expect(preprocessor.preprocess(bytes, spec)).rejects.toThrow(UndecodableImageError);
  });

  it('truncated PNG → 422', async () => {
    const png = await sharp(TILE).png().toBuffer();
    await expect(preprocessor.preprocess(png.subarray(0, png.length - 100), spec)).rejects.toThrow(
      UndecodableImageError,
    );
  });

  it('decompression bomb: a small 20000x20000 PNG → 413 naming its size, without decoding it', async () => {
    const bomb = pngBomb(20_000, 20_000);
    expect(bomb.length).toBeLessThan(100_000);
    const meta = await sharp(bomb, { limitInputPixels: false }).metadata();
    expect([meta.width, meta.height]).toEqual([20_000, 20_000]);
    const error: unknown = await preprocessor.preprocess(bomb, spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as Error).message).toContain('20000x20000');
  });

  it.each(['tiff', 'webp'] as const)(
    '%s above maxInputPixels → 413 from libvips header check',
    async (format) => {
      const strict = new ImagePreprocessor({ maxInputBytes: 1_000_000, maxInputPixels: 10_000 });
      const image = sharp({ create: { width: 200, height: 200, channels: 3, background: '#000' } });
      const bytes = await (format === 'tiff' ? image.tiff() : image.webp()).toBuffer();
      await expect(strict.preprocess(bytes, spec)).rejects.toThrow(PayloadTooLargeError);
    },
  );

  it('keeps serving after rejections (with a concurrency of 1)', async () => {
    const single = new ImagePreprocessor({
      maxInputBytes: 1_000_000,
      maxInputPixels: 1_000_000,
      concurrency: 1,
    });
    const results = await Promise.allSettled([
      single.preprocess(TILE.subarray(0, 500), spec),
      single.preprocess(THERMAL, spec),
      single.preprocess(Buffer.from('nope'), spec),
      single.preprocess(TILE, spec),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled']);
  });
});
