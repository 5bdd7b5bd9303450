/**
 * The input half of the contract: modality, the input tensor (name, datatype, dims) and how to build it —
 * an image spec for `visual`/`thermal`, the feature list for `electrical`. Parameters are checked against
 * the config's `input` list (and the ModelMetadata shapes when given); the config is authoritative for dims.
 */
import type { ModelConfig } from '@defect-gateway/proto';
import { checkObject, checkString, checkStringList, type ContractParameters } from './contract-parameters';
import { IMAGE_SPEC_KEYS, imageSpecFromParameters } from '../preprocess/image-spec';
import {
  MODALITIES,
  type ContractImageSpec,
  type ElectricalSpec,
  type InputDataType,
  type Modality,
  type ModelMetadataLike,
} from './contract-types';
import { problem } from './model-contract-error';

export interface ContractInput {
  name: string;
  datatype: InputDataType;
  dims: number[];
}

const WIRE_TYPE: Record<string, InputDataType> = { TYPE_UINT8: 'UINT8', TYPE_FP32: 'FP32' };

export function parseModality(params: ContractParameters): Modality {
  const modality = params.oneOf('modality', MODALITIES);
  if (modality === undefined)
    problem('modality', `is required but missing (one of ${MODALITIES.join(', ')})`);
  return modality;
}

/** The input tensor the gateway fills: `input_name` (default: the config's only input). */
export function parseInput(config: ModelConfig, params: ContractParameters): ContractInput {
  const inputs = config.input ?? [];
  const declared = params.raw('input_name');
  const name = declared?.trim() ?? (inputs.length === 1 ? inputs[0]?.name : undefined);
  if (name === undefined) {
    problem('input_name', `is required when the config has ${inputs.length} inputs`);
  }
  const tensor = inputs.find((t) => t.name === name);
  if (tensor === undefined) {
    problem(
      'input_name',
      `names '${name}', but the config's inputs are [${inputs.map((t) => t.name).join(', ')}]`,
    );
  }
  const others = inputs.filter((t) => t.name !== name && t.optional !== true);
  if (others.length > 0) {
    problem(
      'input',
      `the gateway fills only '${name}', but the config also requires ${others.map((t) => t.name).join(', ')}`,
    );
  }
  const datatype = WIRE_TYPE[String(tensor.data_type)];
  if (datatype === undefined)
    problem('input', `'${name}' is ${tensor.data_type}; the gateway sends UINT8 or FP32`);
  const stated = params.oneOf('input_datatype', ['UINT8', 'FP32'] as const);
  if (stated !== undefined && stated !== datatype) {
    problem('input_datatype', `says ${stated}, but the config's input '${name}' is ${tensor.data_type}`);
  }
  const dims = tensor.dims.map(Number);
  if (dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    problem(
      'input',
      `'${name}' must have fixed positive dims (without the batch dimension), got [${dims.join(', ')}]`,
    );
  }
  return { name, datatype, dims };
}

/** Checks an optional size parameter against the size taken from the config dims. */
function agree(params: ContractParameters, key: string, actual: number): void {
  const stated = params.number(key, { integer: true, min: 1 });
  if (stated !== undefined && stated !== actual) {
    problem(key, `says ${stated}, but the config's input dims give ${actual}`);
  }
}

/**
 * The image spec, read by preprocess's `imageSpecFromParameters` (one parser for both sides; its keys are
 * `input_width`, `input_height`, `input_channels`, `channel_order`, `input_layout`, `input_datatype`,
 * `resize_fit`, `resize_kernel` and, for FP32, `normalization_mean/std/scale`), then checked against the
 * config's input tensor: dims in the stated layout and the datatype.
 */
export function parseImageSpec(params: ContractParameters, input: ContractInput): ContractImageSpec {
  let spec: ContractImageSpec;
  try {
    spec = imageSpecFromParameters(params.toRecord());
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const key = Object.values(IMAGE_SPEC_KEYS).find((k) => message.includes(`'${k}'`)) ?? 'image';
    return problem(key, message.replace(/^model config parameter /, ''));
  }
  const dims = input.dims.join(', ');
  if (input.dims.length !== 3) {
    problem('input', `'${input.name}' must have 3 dims for an image model, got [${dims}]`);
  }
  const [a, b, c] = input.dims;
  const fromDims = spec.layout === 'CHW' ? { c: a, h: b, w: c } : { h: a, w: b, c };
  for (const [key, stated, actual] of [
    [IMAGE_SPEC_KEYS.channels, spec.channels, fromDims.c],
    [IMAGE_SPEC_KEYS.height, spec.height, fromDims.h],
    [IMAGE_SPEC_KEYS.width, spec.width, fromDims.w],
  ] as const) {
    if (stated !== actual) {
      const why = `the config's '${input.name}' dims [${dims}] read as ${spec.layout} (input_layout) give ${actual}`;
      problem(key, `is ${stated}, but ${why}`);
    }
  }
  if (spec.datatype !== input.datatype) {
    problem(
      'input_datatype',
      `says ${spec.datatype}, but the config's input '${input.name}' is ${input.datatype}`,
    );
  }
  return spec;
}

export function parseElectricalSpec(params: ContractParameters, input: ContractInput): ElectricalSpec {
  if (input.datatype !== 'FP32') problem('input', `'${input.name}' must be FP32 for electrical models`);
  if (input.dims.length !== 1)
    problem('input', `'${input.name}' must have one dim [features], got [${input.dims.join(', ')}]`);
  const featureCount = input.dims[0] ?? 0;
  params.oneOf('input_layout', ['N_FEATURES'] as const);
  agree(params, 'input_features', featureCount);
  const names = parseFeatureNames(params, featureCount);
  const maxMissingFraction = params.number('input_max_missing_fraction', { above: 0, max: 1 });
  return {
    featureCount,
    ...(names === undefined ? {} : { featureNames: names }),
    ...(maxMissingFraction === undefined ? {} : { maxMissingFraction }),
  };
}

/**
 * `input_feature_names_json`: a list of names, or `{"pattern": "f{index}", "first": "f0", "last": "f589"}`
 * (the trainer's form) expanded with index 0 … count − 1; `first`/`last` must then match.
 */
function parseFeatureNames(params: ContractParameters, count: number): string[] | undefined {
  const key = 'input_feature_names_json';
  const value = params.json(key);
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    const names = checkStringList(value, key);
    if (names.length !== count) problem(key, `lists ${names.length} names for ${count} features`);
    return names;
  }
  const obj = checkObject(value, key);
  const pattern = checkString(obj.pattern, `${key}.pattern`);
  if (!pattern.includes('{index}')) problem(`${key}.pattern`, 'must contain {index}');
  const names = Array.from({ length: count }, (_, i) => pattern.split('{index}').join(String(i)));
  for (const [field, expected] of [
    ['first', names[0]],
    ['last', names[count - 1]],
  ] as const) {
    if (obj[field] !== undefined && obj[field] !== expected) {
      problem(`${key}.${field}`, `is ${JSON.stringify(obj[field])}, but the pattern gives ${expected}`);
    }
  }
  return names;
}

/** Checks ModelMetadata (when given) against the config: same input/output names, datatypes and shapes. */
export function checkMetadata(
  metadata: ModelMetadataLike,
  maxBatchSize: number,
  tensors: { role: string; name: string; datatype: string; dims: readonly number[] }[],
): void {
  for (const t of tensors) {
    const list = t.role === 'input' ? metadata.inputs : metadata.outputs;
    const meta = list.find((m) => m.name === t.name);
    const where = `metadata.${t.role === 'input' ? 'inputs' : 'outputs'}`;
    if (meta === undefined) problem(where, `has no tensor '${t.name}' (${t.role})`);
    if (meta.datatype !== t.datatype)
      problem(where, `'${t.name}' is ${meta.datatype}, config says ${t.datatype}`);
    const expected = maxBatchSize > 0 ? [-1, ...t.dims] : [...t.dims];
    const shape = meta.shape.map(Number);
    if (shape.length !== expected.length || shape.some((d, i) => d !== expected[i])) {
      problem(where, `'${t.name}' has shape [${shape.join(', ')}], config implies [${expected.join(', ')}]`);
    }
  }
}

/**
 * `input_min_pixel_std` (image models with UINT8 input only: it is measured on the model's input bytes): the least
 * pixel standard deviation an image may have.
 */
export function parseMinPixelStd(
  params: ContractParameters,
  modality: Modality | undefined,
): number | undefined {
  const value = params.number('input_min_pixel_std', { min: 0 });
  if (value === undefined) return undefined;
  if (modality === 'electrical') problem('input_min_pixel_std', 'applies to image models only');
  if (params.raw('input_datatype')?.trim() !== 'UINT8') {
    problem('input_min_pixel_std', 'needs input_datatype UINT8 (it is measured on the input bytes)');
  }
  return value;
}

/** `input_min_source_side` (image models only): the shortest side, in source pixels, an image may have. */
export function parseMinSourceSide(
  params: ContractParameters,
  modality: Modality | undefined,
): number | undefined {
  const value = params.number('input_min_source_side', { min: 1, integer: true });
  if (value !== undefined && modality === 'electrical') {
    problem('input_min_source_side', 'applies to image models only');
  }
  return value;
}
