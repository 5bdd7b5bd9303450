import type { ModelConfig } from '@defect-gateway/proto';

import { ConfigError } from './config-error';
import { validateModelConfig } from './config-validator';
import { parseModelConfigText } from './model-config-parser';

const FILE = 'm/config.pbtxt';
const IO = `
input { name: "IN" data_type: TYPE_FP32 dims: [ 4 ] }
output { name: "OUT" data_type: TYPE_FP32 dims: [ 4 ] }
`;
const ONNX = `platform: "onnxruntime_onnx"\nmax_batch_size: 8\n${IO}`;

function validate(text: string, modelName = 'm'): ModelConfig {
  return validateModelConfig(parseModelConfigText(text, FILE), { modelName, file: FILE });
}

function validationError(text: string): ConfigError {
  try {
    validate(text);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('validateModelConfig: name and platform', () => {
  it('fills an empty name from the directory and keeps a matching one', () => {
    expect(validate(ONNX).name).toBe('m');
    expect(validate(`name: "m"\n${ONNX}`).name).toBe('m');
  });

  it('rejects a name that differs from the directory', () => {
    const err = validationError(`name: "other"\n${ONNX}`);
    expect(err.message).toBe(
      "m/config.pbtxt: name: model name 'other' does not match its directory name 'm'",
    );
    expect(err).toMatchObject({ file: FILE, field: 'name', line: undefined });
  });

  it('sets backend and platform from each other', () => {
    expect(validate(ONNX)).toMatchObject({ platform: 'onnxruntime_onnx', backend: 'onnxruntime' });
    const fromBackend = validate(`backend: "onnxruntime"\nmax_batch_size: 8\n${IO}`);
    expect(fromBackend).toMatchObject({ platform: 'onnxruntime_onnx', backend: 'onnxruntime' });
  });

  it.each([
    ['neither platform nor backend', `max_batch_size: 8\n${IO}`, 'platform', /must specify 'platform'/],
    ['another platform', `platform: "tensorrt_plan"\n${IO}`, 'platform', /'tensorrt_plan' is not supported/],
    ['another backend', `backend: "python"\n${IO}`, 'backend', /'python' is not supported/],
    [
      'onnx platform, other backend',
      `platform: "onnxruntime_onnx" backend: "python"\n${IO}`,
      'backend',
      /'python'/,
    ],
    [
      'ensemble with a backend',
      `platform: "ensemble" backend: "onnxruntime"\n${IO}`,
      'backend',
      /must be empty/,
    ],
  ])('rejects %s', (_case, text, field, message) => {
    const err = validationError(text);
    expect(err.field).toBe(field);
    expect(err.message).toMatch(message);
  });
});

describe('validateModelConfig: inputs and outputs', () => {
  it.each([
    [
      'negative max_batch_size',
      `platform: "onnxruntime_onnx" max_batch_size: -1\n${IO}`,
      'max_batch_size',
      'must be >= 0, got -1',
    ],
    [
      'no inputs',
      'platform: "onnxruntime_onnx"\noutput { name: "O" data_type: TYPE_FP32 dims: 1 }',
      'input',
      'model must have at least one input',
    ],
    [
      'no outputs',
      'platform: "onnxruntime_onnx"\ninput { name: "I" data_type: TYPE_FP32 dims: 1 }',
      'output',
      'model must have at least one output',
    ],
    [
      'a nameless input',
      `${ONNX}input { data_type: TYPE_FP32 dims: 1 }`,
      'input[1].name',
      'input must have a name',
    ],
    [
      'a duplicate input',
      `${ONNX}input { name: "IN" data_type: TYPE_FP32 dims: 1 }`,
      'input[1].name',
      "duplicate input name 'IN'",
    ],
    [
      'a duplicate output',
      `${ONNX}output { name: "OUT" data_type: TYPE_FP32 dims: 1 }`,
      'output[1].name',
      "duplicate output name 'OUT'",
    ],
    [
      'a missing data_type',
      `${ONNX}output { name: "X" dims: 1 }`,
      'output[1].data_type',
      "output 'X' must specify a data_type",
    ],
    [
      'empty dims',
      `${ONNX}input { name: "X" data_type: TYPE_FP32 }`,
      'input[1].dims',
      "input 'X' must specify dims",
    ],
    [
      'a zero dim',
      `${ONNX}input { name: "X" data_type: TYPE_FP32 dims: [2, 0] }`,
      'input[1].dims',
      "input 'X' dimension 1 must be >= 1 or -1, got 0",
    ],
    [
      'a dim below -1',
      `${ONNX}output { name: "X" data_type: TYPE_FP32 dims: -2 }`,
      'output[1].dims',
      'dimension 0 must be >= 1 or -1, got -2',
    ],
    [
      'a reshape of another size',
      `${ONNX}input { name: "X" data_type: TYPE_FP32 dims: [6] reshape { shape: [4] } }`,
      'input[1].reshape',
      'reshape [4] has 4 elements but dims [6] has 6',
    ],
    [
      'an empty reshape without batching',
      `platform: "onnxruntime_onnx"\n${IO}input { name: "X" data_type: TYPE_FP32 dims: 1 reshape { } }`,
      'input[1].reshape',
      'cannot have an empty reshape',
    ],
    [
      'a shape tensor',
      `${ONNX}input { name: "X" data_type: TYPE_INT32 dims: 1 is_shape_tensor: true }`,
      'input[1].is_shape_tensor',
      'shape tensors are not supported',
    ],
    [
      'a label file outside the model',
      `${ONNX}output { name: "X" data_type: TYPE_FP32 dims: 1 label_filename: "../../etc/passwd" }`,
      'output[1].label_filename',
      'must be a relative path',
    ],
    [
      'an absolute model file',
      `${ONNX}default_model_filename: "/tmp/evil.onnx"`,
      'default_model_filename',
      'must be a relative path',
    ],
  ])('rejects %s', (_case, text, field, message) => {
    const err = validationError(text);
    expect(err.field).toBe(field);
    expect(err.message).toContain(`m/config.pbtxt: ${field}: `);
    expect(err.message).toContain(message);
  });

  it('accepts wildcard dims, scalar reshapes with batching, and nested label files', () => {
    const config = validate(
      `${ONNX}input { name: "X" data_type: TYPE_FP32 dims: [-1, 3] }\n` +
        'input { name: "S" data_type: TYPE_FP32 dims: [1] reshape { shape: [] } }\n' +
        'output { name: "L" data_type: TYPE_FP32 dims: [2, 3] reshape { shape: [6] } label_filename: "labels/l.txt" }',
    );
    expect(config.input.map((input) => input.name)).toEqual(['IN', 'X', 'S']);
  });
});

describe('validateModelConfig: scheduling, instances and versions', () => {
  it.each([
    [
      'dynamic batching without a batch dimension',
      `platform: "onnxruntime_onnx"\n${IO}dynamic_batching { }`,
      'dynamic_batching',
      'needs max_batch_size > 0',
    ],
    [
      'a preferred batch size above max_batch_size',
      `${ONNX}dynamic_batching { preferred_batch_size: [4, 16] }`,
      'dynamic_batching.preferred_batch_size',
      'preferred batch size 16 must be between 1 and max_batch_size (8)',
    ],
    [
      'a preferred batch size of 0',
      `${ONNX}dynamic_batching { preferred_batch_size: 0 }`,
      'dynamic_batching.preferred_batch_size',
      'preferred batch size 0',
    ],
    [
      'a default priority above the levels',
      `${ONNX}dynamic_batching { priority_levels: 2 default_priority_level: 3 }`,
      'dynamic_batching.default_priority_level',
      'between 1 and priority_levels (2)',
    ],
    [
      'a priority queue for a missing level',
      `${ONNX}dynamic_batching { priority_levels: 1 default_priority_level: 1 priority_queue_policy { key: 2 value { } } }`,
      'dynamic_batching.priority_queue_policy',
      'priority level 2',
    ],
    ['sequence batching', `${ONNX}sequence_batching { }`, 'sequence_batching', 'not supported'],
    [
      'ensemble scheduling outside an ensemble',
      `${ONNX}ensemble_scheduling { }`,
      'ensemble_scheduling',
      "only allowed with platform 'ensemble'",
    ],
    [
      'GPU instances',
      `${ONNX}instance_group { kind: KIND_GPU }`,
      'instance_group[0].kind',
      'KIND_GPU is not supported',
    ],
    [
      'instances on listed GPUs',
      `${ONNX}instance_group { kind: KIND_CPU gpus: [0] }`,
      'instance_group[0].gpus',
      'CPU only',
    ],
    [
      'a negative instance count',
      `${ONNX}instance_group { count: -1 }`,
      'instance_group[0].count',
      'must be >= 0, got -1',
    ],
    [
      'latest with no versions',
      `${ONNX}version_policy { latest { } }`,
      'version_policy.latest.num_versions',
      'must be >= 1',
    ],
    [
      'specific with no versions',
      `${ONNX}version_policy { specific { } }`,
      'version_policy.specific.versions',
      'at least one version',
    ],
    [
      'specific version 0',
      `${ONNX}version_policy { specific { versions: [0, 1] } }`,
      'version_policy.specific.versions',
      'versions must be >= 1, got 0',
    ],
  ])('rejects %s', (_case, text, field, message) => {
    const err = validationError(text);
    expect(err.field).toBe(field);
    expect(err.message).toContain(`m/config.pbtxt: ${field}: `);
    expect(err.message).toContain(message);
  });

  it('accepts preferred batch sizes up to max_batch_size and priority levels in range', () => {
    const text = `${ONNX}dynamic_batching { preferred_batch_size: [4, 8] priority_levels: 2 default_priority_level: 2 priority_queue_policy { key: 1 value { } } }`;
    expect(validate(text).dynamic_batching?.preferred_batch_size).toEqual([4, 8]);
  });

  it('defaults to one KIND_CPU instance and fills names, kinds and counts', () => {
    expect(validate(ONNX).instance_group).toEqual([
      expect.objectContaining({ name: 'm_0', count: 1, kind: 'KIND_CPU' }),
    ]);
    const groups = validate(
      `${ONNX}instance_group [ { count: 0 }, { name: "pool" count: 3 kind: KIND_CPU } ]`,
    ).instance_group;
    expect(groups.map((group) => [group.name, group.count, group.kind])).toEqual([
      ['m_0', 1, 'KIND_CPU'],
      ['pool', 3, 'KIND_CPU'],
    ]);
  });

  it('defaults the version policy to the latest version and keeps a given one', () => {
    expect(validate(ONNX).version_policy).toEqual({ latest: { num_versions: 1 }, policy_choice: 'latest' });
    expect(validate(`${ONNX}version_policy { all { } }`).version_policy).toEqual({
      all: {},
      policy_choice: 'all',
    });
    expect(
      validate(`${ONNX}version_policy { latest { num_versions: 2 } }`).version_policy?.latest?.num_versions,
    ).toBe(2);
  });

  it('does not modify the config it is given', () => {
    const parsed = parseModelConfigText(ONNX, FILE);
    const copy = structuredClone(parsed);
    validateModelConfig(parsed, { modelName: 'm', file: FILE });
    expect(parsed).toEqual(copy);
  });
});
