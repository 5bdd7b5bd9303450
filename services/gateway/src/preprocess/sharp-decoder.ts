/**
 * The gateway's one sharp adapter: the only file that imports sharp. It decodes an accepted image and resizes it
 * to the model's input in one libvips pipeline, and reads headers of formats the cheap probe does not parse.
 * sharp/libvips errors become domain errors here; everything sharp-specific stays in this file.
 */
import sharp from 'sharp';
import { PayloadTooLargeError, UndecodableImageError, UnsupportedMediaTypeError } from '../domain/errors';
import type { AcceptedFormat } from './image-format';
import type { ImageSpec } from './image-spec';

export interface SharpDecoderOptions {
  /** Largest width*height accepted; checked by libvips from the header, before any pixel is decoded. */
  maxInputPixels: number;
  /** Wall-clock limit for one decode (whole seconds; libvips checks it while processing). */
  timeoutSeconds: number;
}

export interface SourceHeader {
  width: number;
  height: number;
  channels: number;
  bitsPerSample: number;
}

/** Sample formats decoded to 8 bits per channel correctly (16-bit samples are scaled, not clipped). */
const DECODABLE_DEPTHS: Readonly<Record<string, number>> = { uchar: 8, ushort: 16 };

/**
 * Applies the process-wide sharp policy. The gateway decodes many small images on few cores, so:
 * - `concurrency(1)`: one libvips worker thread per image. Parallelism comes from decoding several images at once
 *   on libuv's pool (bounded by the preprocessor's limiter); extra threads inside one small image only add
 *   hand-off cost and oversubscribe the cores.
 * - `cache(false)`: libvips' operation cache memoises operations by their inputs; every request brings new bytes,
 *   so it would never hit and would only hold memory (up to 50 MB by default).
 */
export function applySharpProcessPolicy(): void {
  sharp.concurrency(1);
  sharp.cache(false);
}

export class SharpDecoder {
  constructor(private readonly options: SharpDecoderOptions) {}

  /**
   * Decodes and resizes to `spec` (HWC, 8-bit, GRAY or RGB); the tensor conversion happens elsewhere.
   * `sourceChannels` (from the header) picks how a colour image becomes gray for a GRAY model: see `toLuma`.
   */
  async decode(
    bytes: Buffer,
    format: AcceptedFormat,
    spec: ImageSpec,
    sourceChannels: number,
  ): Promise<Buffer> {
    const colourToGray = spec.channels === 1 && sourceChannels >= 3;
    const outChannels = colourToGray ? 3 : spec.channels;
    const pipeline = this.open(bytes)
      // EXIF orientation first (same as `.rotate()` with no angle), so "up" is what the camera meant.
      .autoOrient()
      // Alpha is not part of any model input; drop it rather than composite it over a guessed background.
      .removeAlpha()
      .resize(spec.width, spec.height, {
        fit: spec.resizeFit,
        kernel: spec.resizeKernel,
        position: 'centre',
        // Letterbox bars for fit 'contain': black, opaque.
        background: { r: 0, g: 0, b: 0, alpha: 1 },
        // No JPEG/WebP shrink-on-load: it would swap the requested kernel for the codec's DCT scaling on large
        // inputs, and the model was trained on full-resolution resizes.
        fastShrinkOnLoad: false,
      })
      // 'b-w' for gray sources of GRAY models, sRGB otherwise (the BGR swap happens in the tensor step; colour
      // sources of GRAY models are reduced to luma below). libvips converts 16-bit inputs (grey16/rgb16) and
      // CMYK by scaling / colour management, so 65535 → 255 and the full range is kept.
      .toColourspace(outChannels === 1 ? 'b-w' : 'srgb')
      .timeout({ seconds: this.options.timeoutSeconds })
      .raw({ depth: 'uchar' });
    let result: { data: Buffer; info: sharp.OutputInfo };
    try {
      result = await pipeline.toBuffer({ resolveWithObject: true });
    } catch (err) {
      throw this.mapError(err, format);
    }
    const { data, info } = result;
    if (info.width !== spec.width || info.height !== spec.height || info.channels !== outChannels) {
      throw new Error(
        `sharp returned ${info.width}x${info.height}x${info.channels}, expected ` +
          `${spec.width}x${spec.height}x${outChannels}`,
      );
    }
    return colourToGray ? toLuma(data) : data;
  }

  /** Header facts for formats the cheap probe does not parse (TIFF, WebP), or when the probe came up short. */
  async readHeader(bytes: Buffer, format: AcceptedFormat): Promise<SourceHeader> {
    let meta: sharp.Metadata;
    try {
      meta = await this.open(bytes).metadata();
    } catch (err) {
      throw this.mapError(err, format);
    }
    const bits = DECODABLE_DEPTHS[meta.depth];
    if (bits === undefined) {
      throw new UnsupportedMediaTypeError(
        `${format.toUpperCase()} with '${meta.depth}' samples is not supported; send 8- or 16-bit unsigned samples`,
        { details: { format, depth: meta.depth } },
      );
    }
    return { width: meta.width, height: meta.height, channels: meta.channels, bitsPerSample: bits };
  }

  private open(bytes: Buffer): sharp.Sharp {
    return sharp(bytes, {
      // Fail on decoder errors, truncation included (a truncated JPEG is a 422, not a half-grey image).
      // Warnings (e.g. a stray byte between markers) still decode, as every other viewer would.
      failOn: 'error',
      // Decompression bombs: libvips refuses images above this many pixels from the header alone.
      limitInputPixels: this.options.maxInputPixels,
      // Gray, gray+alpha, RGB, RGBA, CMYK(+alpha): nothing legitimate has more channels.
      limitInputChannels: 5,
      // Keep libspng/libxml2 safety limits on (large metadata chunks are refused).
      unlimited: false,
      // First page/frame only; multi-page TIFFs are not stacks of inspections.
      pages: 1,
      page: 0,
    });
  }

  private mapError(err: unknown, format: AcceptedFormat): Error {
    const raw = err instanceof Error ? err.message : String(err);
    const name = format.toUpperCase();
    if (/exceeds pixel limit/i.test(raw)) {
      return new PayloadTooLargeError(
        `image exceeds the limit of ${this.options.maxInputPixels} pixels (width x height)`,
        { cause: err, details: { maxInputPixels: this.options.maxInputPixels } },
      );
    }
    if (/timeout/i.test(raw)) {
      return new UndecodableImageError(
        `${name} image took longer than ${this.options.timeoutSeconds} s to decode`,
        {
          cause: err,
        },
      );
    }
    return new UndecodableImageError(`${name} image could not be decoded: ${decoderReason(raw)}`, {
      cause: err,
      details: { format },
    });
  }
}

/**
 * sRGB HWC bytes → 8-bit luma, ITU-R 601-2 on the gamma-encoded values with round-half-up in 16.16 fixed point:
 * bit for bit what the trainer's PIL `convert('L')` computes. libvips' own 'b-w' weighs linear-light values with
 * Rec. 709 coefficients instead, which differs by up to about 70 grey levels on saturated colours, so a colour
 * camera's image would not look like the training data to a GRAY model.
 */
export function toLuma(rgb: Buffer): Buffer {
  const out = Buffer.allocUnsafe(rgb.length / 3);
  for (let i = 0, j = 0; i < out.length; i++, j += 3) {
    out[i] = (rgb[j]! * 19595 + rgb[j + 1]! * 38470 + rgb[j + 2]! * 7471 + 0x8000) >>> 16;
  }
  return out;
}

/** The libvips error without sharp's and the loaders' prefixes, on one line (client-safe: no paths). */
function decoderReason(message: string): string {
  const parts = message
    .replace(/^Input buffer has corrupt header:?/i, 'corrupt header\n')
    .replace(/^Input buffer contains unsupported image format/i, 'not a valid image of this type')
    .split('\n')
    .map((line) => line.replace(/Vips\w+:\s*/g, '').trim())
    .filter((line, i, all) => line !== '' && all.indexOf(line) === i);
  const reason = parts.join(': ') || 'unknown error';
  return reason.length > 200 ? `${reason.slice(0, 200)}…` : reason;
}
