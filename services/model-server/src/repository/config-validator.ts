import type { ModelConfig } from '@defect-gateway/proto';

import { ConfigError } from './config-error';
import { validateEnsemble } from './ensemble-validator';

/** Which model a configuration belongs to, and what to call it in errors. */
export interface ConfigContext {
  /** The model's directory name in the repository. */
  readonly modelName: string;
  /** e.g. `simple/config.pbtxt` or `config override`. */
  readonly file: string;
}

export const ONNX_PLATFORM = 'onnxruntime_onnx';
export const ONNX_BACKEND = 'onnxruntime';
export const ENSEMBLE_PLATFORM = 'ensemble';

type Tensor = ModelConfig['input'][number] | ModelConfig['output'][number];

/**
 * Checks a parsed configuration the way Triton does, for what this CPU-only ONNX Runtime server supports,
 * and returns a normalized copy: the name filled in from the directory, platform and backend both set,
 * version policy defaulted to `latest { num_versions: 1 }`, instance groups defaulted to one KIND_CPU
 * instance. Throws a ConfigError naming the file and the field at the first problem.
 */
export function validateModelConfig(config: ModelConfig, context: ConfigContext): ModelConfig {
  const result = structuredClone(config);
  const fail = failer(context.file);

  if (result.name === '') result.name = context.modelName;
  else if (result.name !== context.modelName) {
    fail('name', `model name '${result.name}' does not match its directory name '${context.modelName}'`);
  }
  normalizePlatform(result, fail);
  if (result.max_batch_size < 0) fail('max_batch_size', `must be >= 0, got ${result.max_batch_size}`);
  validateTensors('input', result.input, result.max_batch_size, fail);
  validateTensors('output', result.output, result.max_batch_size, fail);
  validateModelFiles(result, fail);

  if (result.platform === ENSEMBLE_PLATFORM) {
    validateEnsemble(result, fail);
  } else {
    if (result.ensemble_scheduling) {
      fail('ensemble_scheduling', `is only allowed with platform '${ENSEMBLE_PLATFORM}'`);
    }
    if (result.sequence_batching)
      fail('sequence_batching', 'sequence batching is not supported by this server');
    validateDynamicBatching(result, fail);
    normalizeInstanceGroups(result, fail);
  }
  normalizeVersionPolicy(result, fail);
  return result;
}

/** Throws a ConfigError for `field`; returned by `failer` so that validators need only the field and text. */
export type FailFn = (field: string, detail: string) => never;

export function failer(file: string): FailFn {
  return (field, detail) => {
    throw new ConfigError(`${field}: ${detail}`, { file, field });
  };
}

function normalizePlatform(config: ModelConfig, fail: FailFn): void {
  const { platform, backend } = config;
  if (platform === '' && backend === '') {
    fail('platform', `must specify 'platform' ('${ONNX_PLATFORM}' or '${ENSEMBLE_PLATFORM}') or 'backend'`);
  }
  if (platform === ENSEMBLE_PLATFORM) {
    if (backend !== '')
      fail('backend', `must be empty for platform '${ENSEMBLE_PLATFORM}', got '${backend}'`);
    return;
  }
  if (platform !== '' && platform !== ONNX_PLATFORM) {
    fail(
      'platform',
      `'${platform}' is not supported (supported: '${ONNX_PLATFORM}', '${ENSEMBLE_PLATFORM}')`,
    );
  }
  if (backend !== '' && backend !== ONNX_BACKEND) {
    fail('backend', `'${backend}' is not supported (supported: '${ONNX_BACKEND}')`);
  }
  config.platform = ONNX_PLATFORM;
  config.backend = ONNX_BACKEND;
}

function validateTensors(
  kind: 'input' | 'output',
  tensors: readonly Tensor[],
  maxBatch: number,
  fail: FailFn,
): void {
  if (tensors.length === 0) fail(kind, `model must have at least one ${kind}`);
  const seen = new Set<string>();
  tensors.forEach((tensor, i) => {
    const path = `${kind}[${i}]`;
    if (tensor.name === '') fail(`${path}.name`, `${kind} must have a name`);
    if (seen.has(tensor.name)) fail(`${path}.name`, `duplicate ${kind} name '${tensor.name}'`);
    seen.add(tensor.name);
    const label = `${kind} '${tensor.name}'`;
    if (tensor.data_type === 'TYPE_INVALID') fail(`${path}.data_type`, `${label} must specify a data_type`);
    if (tensor.dims.length === 0) {
      fail(
        `${path}.dims`,
        `${label} must specify dims (use dims: [ 1 ] with reshape: { shape: [ ] } for a scalar)`,
      );
    }
    tensor.dims.forEach((dim, d) => {
      if (dim < 1 && dim !== -1)
        fail(`${path}.dims`, `${label} dimension ${d} must be >= 1 or -1, got ${dim}`);
    });
    if (tensor.reshape) validateReshape(tensor, path, label, maxBatch, fail);
    if (tensor.is_shape_tensor) fail(`${path}.is_shape_tensor`, `${label}: shape tensors are not supported`);
  });
}

function validateReshape(tensor: Tensor, path: string, label: string, maxBatch: number, fail: FailFn): void {
  const shape = tensor.reshape?.shape ?? [];
  if (shape.length === 0 && maxBatch === 0) {
    fail(`${path}.reshape`, `${label} cannot have an empty reshape when max_batch_size is 0`);
  }
  shape.forEach((dim, d) => {
    if (dim < 1 && dim !== -1)
      fail(`${path}.reshape`, `${label} reshape dimension ${d} must be >= 1 or -1, got ${dim}`);
  });
  const variable = (dims: readonly number[]): boolean => dims.includes(-1);
  const count = (dims: readonly number[]): number => dims.reduce((product, dim) => product * dim, 1);
  if (variable(shape) !== variable(tensor.dims)) {
    fail(`${path}.reshape`, `${label} reshape and dims must both have variable (-1) dimensions or neither`);
  }
  if (!variable(shape) && count(shape) !== count(tensor.dims)) {
    const detail = `${label} reshape [${shape.join(', ')}] has ${count(shape)} elements but dims [${tensor.dims.join(', ')}] has ${count(tensor.dims)}`;
    fail(`${path}.reshape`, detail);
  }
}

/** File names in the config are opened inside the model directory and must stay there. */
function validateModelFiles(config: ModelConfig, fail: FailFn): void {
  if (config.default_model_filename !== '' && !isContainedPath(config.default_model_filename)) {
    fail('default_model_filename', `must be a relative path inside the version directory`);
  }
  config.output.forEach((output, i) => {
    if (output.label_filename !== '' && !isContainedPath(output.label_filename)) {
      fail(`output[${i}].label_filename`, `must be a relative path inside the model directory`);
    }
  });
}

export function isContainedPath(file: string): boolean {
  if (file.includes('\0') || file.startsWith('/') || file.startsWith('\\') || /^[A-Za-z]:/.test(file))
    return false;
  return file.split(/[/\\]/).every((part) => part !== '..');
}

function validateDynamicBatching(config: ModelConfig, fail: FailFn): void {
  const batching = config.dynamic_batching;
  if (!batching) return;
  if (config.max_batch_size === 0) {
    fail('dynamic_batching', 'dynamic batching needs max_batch_size > 0 (the model has no batch dimension)');
  }
  batching.preferred_batch_size.forEach((size) => {
    if (size < 1 || size > config.max_batch_size) {
      const detail = `preferred batch size ${size} must be between 1 and max_batch_size (${config.max_batch_size})`;
      fail('dynamic_batching.preferred_batch_size', detail);
    }
  });
  const levels = batching.priority_levels;
  const defaultLevel = batching.default_priority_level;
  if (levels === 0 && defaultLevel !== 0) {
    fail('dynamic_batching.default_priority_level', 'must be 0 when priority_levels is 0');
  }
  if (levels > 0 && (defaultLevel < 1 || defaultLevel > levels)) {
    fail('dynamic_batching.default_priority_level', `must be between 1 and priority_levels (${levels})`);
  }
  for (const key of Object.keys(batching.priority_queue_policy)) {
    const level = Number(key);
    if (level < 1 || level > levels) {
      fail(
        'dynamic_batching.priority_queue_policy',
        `priority level ${key} must be between 1 and priority_levels (${levels})`,
      );
    }
  }
}

function normalizeInstanceGroups(config: ModelConfig, fail: FailFn): void {
  if (config.instance_group.length === 0) {
    config.instance_group.push({
      name: '',
      count: 1,
      gpus: [],
      kind: 'KIND_CPU',
      profile: [],
      rate_limiter: null,
      passive: false,
      secondary_devices: [],
      host_policy: '',
    });
  }
  config.instance_group.forEach((group, i) => {
    const path = `instance_group[${i}]`;
    if (group.name === '') group.name = `${config.name}_${i}`;
    if (group.kind === 'KIND_AUTO') group.kind = 'KIND_CPU';
    if (group.kind !== 'KIND_CPU')
      fail(`${path}.kind`, `${group.kind} is not supported: this server runs KIND_CPU instances only`);
    if (group.gpus.length > 0) fail(`${path}.gpus`, 'GPUs cannot be assigned: this server runs on CPU only');
    if (group.count < 0) fail(`${path}.count`, `must be >= 0, got ${group.count}`);
    if (group.count === 0) group.count = 1;
  });
}

function normalizeVersionPolicy(config: ModelConfig, fail: FailFn): void {
  const policy = config.version_policy;
  if (!policy || policy.policy_choice === undefined) {
    config.version_policy = { latest: { num_versions: 1 }, policy_choice: 'latest' };
    return;
  }
  if (policy.policy_choice === 'latest' && (policy.latest?.num_versions ?? 0) < 1) {
    fail('version_policy.latest.num_versions', 'must be >= 1');
  }
  if (policy.policy_choice === 'specific') {
    const versions = policy.specific?.versions ?? [];
    if (versions.length === 0) fail('version_policy.specific.versions', 'must list at least one version');
    for (const version of versions) {
      if (version < 1) fail('version_policy.specific.versions', `versions must be >= 1, got ${version}`);
    }
  }
}
