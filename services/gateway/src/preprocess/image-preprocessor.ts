/**
 * Image preprocessing for inference: bytes as uploaded → one tensor item exactly as the model was trained on.
 * Order of checks: size cap and emptiness (cheap, before anything is parsed) → type from magic bytes → header
 * probe and pixel limit → decode + resize (tiny-JPEG fast path or sharp) → layout, channel order and datatype.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { InputError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../domain/errors';
import { ConcurrencyLimiter } from './concurrency-limiter';
import {
  type AcceptedFormat,
  type HeaderProbe,
  describeUnsupported,
  detectFormat,
  probeHeader,
} from './image-format';
import type { ImageSpec } from './image-spec';
import { SharpDecoder, type SourceHeader, applySharpProcessPolicy } from './sharp-decoder';
import { toTensorItem } from './tensor-layout';
import { decodeTinyGrayJpeg } from './tiny-gray-jpeg';

export interface ImagePreprocessorOptions {
  /** Upload size cap in bytes (the HTTP layer caps the body too; this guards direct callers). */
  maxInputBytes: number;
  /** Decompression-bomb guard: largest width*height decoded. Larger images are refused with 413. */
  maxInputPixels: number;
  /** Decodes running at once (default: the number of cores). Others wait, first in, first out. */
  concurrency?: number;
  /** Decodes allowed to wait for a slot; one more is refused with 429 (default: unbounded). */
  maxQueuedDecodes?: number;
  /** Wall-clock limit for one sharp decode, whole seconds (default 10). Exceeding it is a 422. */
  decodeTimeoutSeconds?: number;
}

export interface SourceImage {
  /** 'jpeg' | 'png' | 'tiff' | 'webp'. */
  format: string;
  /** As stored, before EXIF orientation. */
  width: number;
  height: number;
  channels: number;
  bitsPerSample: number;
}

export interface PreprocessedImage {
  /** One item, no batch dimension, in the spec's layout and datatype (FP32: little-endian). */
  data: Buffer;
  /** [C, H, W] for CHW, [H, W, C] for HWC. */
  shape: number[];
  source: SourceImage;
  timings: {
    /** Time spent waiting for a free decode slot. */
    waitMs?: number;
    /** Header checks, decode, orientation, colourspace and resize (libvips fuses these into one pass). */
    decodeMs: number;
    /** Layout, channel order and datatype conversion into the tensor. */
    preprocessMs: number;
  };
  /** Which decoder ran: the tiny-JPEG fast path or sharp. */
  decoder: 'tiny-jpeg' | 'sharp';
}

/** Images up to this many pixels may take the tiny-JPEG fast path (the thermal images are 24x40 = 960). */
export const TINY_JPEG_MAX_PIXELS = 64 * 64;

export class ImagePreprocessor {
  private readonly decoder: SharpDecoder;
  private readonly limiter: ConcurrencyLimiter;

  constructor(private readonly options: ImagePreprocessorOptions) {
    for (const key of ['maxInputBytes', 'maxInputPixels'] as const) {
      const value = options[key];
      if (!Number.isSafeInteger(value) || value < 1)
        throw new Error(`${key} must be a positive integer, got ${value}`);
    }
    const timeoutSeconds = options.decodeTimeoutSeconds ?? 10;
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) {
      throw new Error(`decodeTimeoutSeconds must be a positive integer, got ${timeoutSeconds}`);
    }
    applySharpProcessPolicy();
    this.decoder = new SharpDecoder({ maxInputPixels: options.maxInputPixels, timeoutSeconds });
    this.limiter = new ConcurrencyLimiter(
      options.concurrency ?? availableParallelism(),
      options.maxQueuedDecodes ?? Number.POSITIVE_INFINITY,
    );
  }

  /** Decodes waiting for a free slot (a gauge for monitoring). */
  get queuedDecodes(): number {
    return this.limiter.pending;
  }

  /**
   * @throws InputError (empty body), PayloadTooLargeError (bytes or pixels over the limits),
   *   UnsupportedMediaTypeError (not JPEG/PNG/TIFF/WebP by magic bytes, or unsupported sample format),
   *   UndecodableImageError (claims an accepted type but is truncated, corrupt or too slow to decode).
   */
  async preprocess(bytes: Buffer, spec: ImageSpec): Promise<PreprocessedImage> {
    if (bytes.length === 0) throw new InputError('the image is empty');
    if (bytes.length > this.options.maxInputBytes) {
      throw new PayloadTooLargeError(
        `the image is ${bytes.length} bytes, above the limit of ${this.options.maxInputBytes} bytes`,
        { details: { maxInputBytes: this.options.maxInputBytes } },
      );
    }
    const format = detectFormat(bytes);
    if (format === undefined) {
      const seen = describeUnsupported(bytes);
      throw new UnsupportedMediaTypeError(`unsupported image type (${seen}); send JPEG, PNG, TIFF or WebP`, {
        details: { detected: seen, accepted: ['jpeg', 'png', 'tiff', 'webp'] },
      });
    }
    const queued = performance.now();
    const out = await this.limiter.run(() => {
      const waited = performance.now() - queued;
      return this.decodeAndConvert(bytes, format, spec).then((r) => ({
        ...r,
        timings: { ...r.timings, waitMs: waited },
      }));
    });
    return out;
  }

  private async decodeAndConvert(
    bytes: Buffer,
    format: AcceptedFormat,
    spec: ImageSpec,
  ): Promise<PreprocessedImage> {
    const started = performance.now();
    const probe = probeHeader(bytes, format);
    this.checkPixelLimit(probe);
    let source = completeHeader(probe);
    let pixels: Buffer | undefined;
    let decoder: PreprocessedImage['decoder'] = 'sharp';
    if (
      format === 'jpeg' &&
      spec.channels === 1 &&
      probe.width === spec.width &&
      probe.height === spec.height
    ) {
      // Exact size already: sharp's resize would be the identity, so a plain tiny JPEG can skip sharp entirely.
      pixels = decodeTinyGrayJpeg(bytes, Math.min(TINY_JPEG_MAX_PIXELS, this.options.maxInputPixels))?.pixels;
      if (pixels !== undefined) decoder = 'tiny-jpeg';
    }
    if (pixels === undefined) {
      source ??= await this.decoder.readHeader(bytes, format);
      this.checkPixelLimit({ format, ...source });
      pixels = await this.decoder.decode(bytes, format, spec, source.channels);
    }
    if (source === undefined) throw new Error('image header was not read'); // unreachable: read above
    const decoded = performance.now();
    const tensor = toTensorItem(pixels, spec);
    const converted = performance.now();
    return {
      data: tensor.data,
      shape: tensor.shape,
      source: { format, ...source },
      timings: { decodeMs: decoded - started, preprocessMs: converted - decoded },
      decoder,
    };
  }

  private checkPixelLimit(probe: HeaderProbe): void {
    if (probe.width === undefined || probe.height === undefined) return;
    const pixels = probe.width * probe.height;
    if (pixels > this.options.maxInputPixels) {
      throw new PayloadTooLargeError(
        `the image is ${probe.width}x${probe.height} = ${pixels} pixels, above the limit of ` +
          `${this.options.maxInputPixels} pixels`,
        {
          details: { width: probe.width, height: probe.height, maxInputPixels: this.options.maxInputPixels },
        },
      );
    }
  }
}

/** The probe's answer when it read everything we report (JPEG/PNG), else undefined (ask sharp). */
function completeHeader(probe: HeaderProbe): SourceHeader | undefined {
  const { width, height, channels, bitsPerSample } = probe;
  if (width === undefined || height === undefined || channels === undefined || bitsPerSample === undefined) {
    return undefined;
  }
  return { width, height, channels, bitsPerSample };
}
