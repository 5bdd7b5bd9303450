/**
 * What a model expects as its image input, read from the `parameters` map of the model's Triton config.
 * The model contract (routing/) calls `imageSpecFromParameters`; the preprocessor consumes the result, so both
 * sides agree on one parser. A bad or missing key is a configuration error (plain `Error`), never a client error.
 */

export type ChannelOrder = 'GRAY' | 'RGB' | 'BGR';
export type TensorLayout = 'CHW' | 'HWC';
export type ImageDatatype = 'UINT8' | 'FP32';
/** sharp's `fit`: fill = stretch to exactly W×H, contain = letterbox (black bars), cover = centre crop. */
export type ResizeFit = 'fill' | 'contain' | 'cover';
export type ResizeKernel = 'nearest' | 'linear' | 'cubic' | 'lanczos3';

export interface Normalization {
  /** Per channel (length = channels); FP32 value = (pixel * scale - mean[c]) / std[c]. */
  mean: number[];
  std: number[];
  scale: number;
}

export interface ImageSpec {
  width: number;
  height: number;
  channels: 1 | 3;
  channelOrder: ChannelOrder;
  layout: TensorLayout;
  /** UINT8 sends pixels as they are (the model normalizes inside its graph); FP32 applies `normalization`. */
  datatype: ImageDatatype;
  resizeFit: ResizeFit;
  resizeKernel: ResizeKernel;
  normalization?: Normalization;
}

/** Parameter keys of the model config that `imageSpecFromParameters` reads. */
export const IMAGE_SPEC_KEYS = {
  width: 'input_width',
  height: 'input_height',
  channels: 'input_channels',
  channelOrder: 'channel_order',
  layout: 'input_layout',
  datatype: 'input_datatype',
  resizeFit: 'resize_fit',
  resizeKernel: 'resize_kernel',
  /** FP32 only, all three required there: JSON arrays (one number, or one per channel) and a number. */
  normalizationMean: 'normalization_mean',
  normalizationStd: 'normalization_std',
  normalizationScale: 'normalization_scale',
} as const;

/** Largest accepted input side; far above any inspection model, small enough to bound tensor memory. */
export const MAX_INPUT_SIDE = 8192;

const CHANNEL_ORDERS: readonly ChannelOrder[] = ['GRAY', 'RGB', 'BGR'];
const LAYOUTS: readonly TensorLayout[] = ['CHW', 'HWC'];
const DATATYPES: readonly ImageDatatype[] = ['UINT8', 'FP32'];
const FITS: readonly ResizeFit[] = ['fill', 'contain', 'cover'];
const KERNELS: readonly ResizeKernel[] = ['nearest', 'linear', 'cubic', 'lanczos3'];

/**
 * Builds an ImageSpec from a model config's string parameters. Keys other than those in `IMAGE_SPEC_KEYS`
 * are ignored (configs carry documentation keys such as `normalization` or `colourspace`).
 * @throws Error naming the missing or bad key (a configuration error).
 */
export function imageSpecFromParameters(params: Record<string, string>): ImageSpec {
  const width = requireInteger(params, IMAGE_SPEC_KEYS.width, 1, MAX_INPUT_SIDE);
  const height = requireInteger(params, IMAGE_SPEC_KEYS.height, 1, MAX_INPUT_SIDE);
  const channelCount = requireInteger(params, IMAGE_SPEC_KEYS.channels, 1, 3);
  if (channelCount !== 1 && channelCount !== 3) {
    throw configError(IMAGE_SPEC_KEYS.channels, params, 'must be 1 or 3');
  }
  const channelOrder = requireOneOf(params, IMAGE_SPEC_KEYS.channelOrder, CHANNEL_ORDERS);
  if ((channelOrder === 'GRAY') !== (channelCount === 1)) {
    throw configError(
      IMAGE_SPEC_KEYS.channelOrder,
      params,
      `does not match ${IMAGE_SPEC_KEYS.channels}=${channelCount} (GRAY needs 1 channel, RGB/BGR need 3)`,
    );
  }
  const spec: ImageSpec = {
    width,
    height,
    channels: channelCount,
    channelOrder,
    layout: requireOneOf(params, IMAGE_SPEC_KEYS.layout, LAYOUTS),
    datatype: requireOneOf(params, IMAGE_SPEC_KEYS.datatype, DATATYPES),
    resizeFit: requireOneOf(params, IMAGE_SPEC_KEYS.resizeFit, FITS),
    resizeKernel: requireOneOf(params, IMAGE_SPEC_KEYS.resizeKernel, KERNELS),
  };
  const normalizationKeys = [
    IMAGE_SPEC_KEYS.normalizationMean,
    IMAGE_SPEC_KEYS.normalizationStd,
    IMAGE_SPEC_KEYS.normalizationScale,
  ];
  if (spec.datatype === 'UINT8') {
    const present = normalizationKeys.filter((key) => params[key] !== undefined);
    if (present.length > 0) {
      throw new Error(
        `model config parameter '${present.join("', '")}' is set but ${IMAGE_SPEC_KEYS.datatype}=UINT8 ` +
          'sends raw pixels (normalization belongs inside the model graph)',
      );
    }
    return spec;
  }
  spec.normalization = {
    mean: requireNumberList(params, IMAGE_SPEC_KEYS.normalizationMean, channelCount, false),
    std: requireNumberList(params, IMAGE_SPEC_KEYS.normalizationStd, channelCount, true),
    scale: requireFiniteNumber(params, IMAGE_SPEC_KEYS.normalizationScale),
  };
  return spec;
}

/** Checks an ImageSpec built by hand (tests, fixtures) with the same rules; returns it unchanged. */
export function assertValidImageSpec(spec: ImageSpec): ImageSpec {
  const params: Record<string, string> = {
    [IMAGE_SPEC_KEYS.width]: String(spec.width),
    [IMAGE_SPEC_KEYS.height]: String(spec.height),
    [IMAGE_SPEC_KEYS.channels]: String(spec.channels),
    [IMAGE_SPEC_KEYS.channelOrder]: spec.channelOrder,
    [IMAGE_SPEC_KEYS.layout]: spec.layout,
    [IMAGE_SPEC_KEYS.datatype]: spec.datatype,
    [IMAGE_SPEC_KEYS.resizeFit]: spec.resizeFit,
    [IMAGE_SPEC_KEYS.resizeKernel]: spec.resizeKernel,
  };
  if (spec.normalization !== undefined) {
    params[IMAGE_SPEC_KEYS.normalizationMean] = JSON.stringify(spec.normalization.mean);
    params[IMAGE_SPEC_KEYS.normalizationStd] = JSON.stringify(spec.normalization.std);
    params[IMAGE_SPEC_KEYS.normalizationScale] = String(spec.normalization.scale);
  }
  imageSpecFromParameters(params);
  return spec;
}

function configError(key: string, params: Record<string, string>, problem: string): Error {
  const value = params[key];
  const shown = value === undefined ? 'missing' : `'${value}'`;
  return new Error(`model config parameter '${key}' (${shown}) ${problem}`);
}

function requireValue(params: Record<string, string>, key: string): string {
  const value = Object.prototype.hasOwnProperty.call(params, key) ? params[key] : undefined;
  if (value === undefined || value.trim() === '') throw configError(key, params, 'is required');
  return value.trim();
}

function requireInteger(params: Record<string, string>, key: string, min: number, max: number): number {
  const text = requireValue(params, key);
  if (!/^\d+$/.test(text)) throw configError(key, params, 'must be a whole number');
  const value = Number(text);
  if (value < min || value > max) throw configError(key, params, `must be between ${min} and ${max}`);
  return value;
}

function requireOneOf<T extends string>(
  params: Record<string, string>,
  key: string,
  allowed: readonly T[],
): T {
  const text = requireValue(params, key);
  const found = allowed.find((candidate) => candidate === text);
  if (found === undefined) throw configError(key, params, `must be one of ${allowed.join(', ')}`);
  return found;
}

function requireFiniteNumber(params: Record<string, string>, key: string): number {
  const value = Number(requireValue(params, key));
  if (!Number.isFinite(value) || value === 0)
    throw configError(key, params, 'must be a finite, non-zero number');
  return value;
}

function requireNumberList(
  params: Record<string, string>,
  key: string,
  channels: number,
  nonZero: boolean,
): number[] {
  const text = requireValue(params, key);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw configError(key, params, 'must be a JSON array of numbers');
  }
  const list: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length !== 1 && list.length !== channels) {
    throw configError(key, params, `must hold 1 or ${channels} numbers`);
  }
  const numbers = list.map((item) => {
    if (typeof item !== 'number' || !Number.isFinite(item) || (nonZero && item === 0)) {
      throw configError(key, params, `must hold finite${nonZero ? ', non-zero' : ''} numbers`);
    }
    return item;
  });
  const first = numbers[0] ?? 0;
  return numbers.length === channels ? numbers : new Array<number>(channels).fill(first);
}
