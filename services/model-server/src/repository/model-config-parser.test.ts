import { TO_OBJECT_OPTIONS, modelConfigToObject, modelConfigType } from '@defect-gateway/proto';

import { ConfigError } from './config-error';
import { PLAIN_OBJECT_OPTIONS } from './message-normalizer';
import { parseModelConfigJson, parseModelConfigText } from './model-config-parser';

// A config using most of what Triton model configurations contain, in the styles found in the wild.
const FULL_CONFIG = `
# Defect classifier with a preprocessing ensemble in front of it.
name: "defect_classifier"
platform: "onnxruntime_onnx"
max_batch_size: 32
version_policy: { specific: { versions: [1, 3] } }
input [
  {
    name: "IMAGE"
    data_type: TYPE_UINT8
    format: FORMAT_NCHW
    dims: [ 3, 224, 224 ]
  },
  {
    name: "THRESHOLD"
    data_type: TYPE_FP32
    dims: [ 1 ]
    reshape: { shape: [ ] }
    optional: true
  }
]
output [
  {
    name: "SCORES"
    data_type: TYPE_FP32
    dims: [ 4 ]
    label_filename: "labels.txt"
  }
]
instance_group [
  { name: "cpu_pool", count: 2, kind: KIND_CPU },
  { count: 1 kind: KIND_AUTO }
]
dynamic_batching {
  preferred_batch_size: [ 8, 16, 32 ]
  max_queue_delay_microseconds: 500
  preserve_ordering: true
  priority_levels: 2
  default_priority_level: 1
  default_queue_policy { timeout_action: DELAY default_timeout_microseconds: 100000 max_queue_size: 64 }
  priority_queue_policy { key: 2 value: { max_queue_size: 8 allow_timeout_override: True } }
}
optimization { graph { level: -1 } execution_accelerators { cpu_execution_accelerator : [ { name : "openvino" } ] } }
parameters: { key: "intra_op_thread_count" value: { string_value: "2" } }
parameters [ { key: "inter_op_thread_count", value: { string_value: '1' } } ]
model_warmup [
  {
    name: "zeros"
    batch_size: 8
    inputs { key: "IMAGE" value: { data_type: TYPE_UINT8 dims: [3, 224, 224] zero_data: true } }
    inputs { key: "THRESHOLD" value: { data_type: TYPE_FP32 dims: [1] random_data: true } }
  }
]
metric_tags { key: "line" value: "station-4" }
default_model_filename: "classifier.onnx"
`;

const ENSEMBLE_CONFIG = `
name: "preprocess_and_classify"
platform: "ensemble"
max_batch_size: 8
input { name: "RAW" data_type: TYPE_STRING dims: [ 1 ] }
output { name: "SCORES" data_type: TYPE_FP32 dims: [ 4 ] }
ensemble_scheduling {
  step [
    {
      model_name: "preprocess"
      model_version: -1
      input_map { key: "BYTES" value: "RAW" }
      output_map { key: "IMAGE" value: "image" }
    },
    {
      model_name: "defect_classifier"
      model_version: 3
      input_map { key: "IMAGE" value: "image" }
      output_map { key: "SCORES" value: "SCORES" }
    }
  ]
}
`;

describe('parseModelConfigText', () => {
  it('reads a full realistic Triton configuration', () => {
    const config = parseModelConfigText(FULL_CONFIG);
    expect(config).toMatchObject({
      name: 'defect_classifier',
      platform: 'onnxruntime_onnx',
      backend: '',
      max_batch_size: 32,
      version_policy: { specific: { versions: [1, 3] }, policy_choice: 'specific' },
      default_model_filename: 'classifier.onnx',
      scheduling_choice: 'dynamic_batching',
      metric_tags: { line: 'station-4' },
      parameters: {
        intra_op_thread_count: { string_value: '2' },
        inter_op_thread_count: { string_value: '1' },
      },
    });
    expect(config.input).toEqual([
      {
        name: 'IMAGE',
        data_type: 'TYPE_UINT8',
        format: 'FORMAT_NCHW',
        dims: [3, 224, 224],
        reshape: null,
        is_shape_tensor: false,
        allow_ragged_batch: false,
        optional: false,
        is_non_linear_format_io: false,
      },
      expect.objectContaining({ name: 'THRESHOLD', dims: [1], reshape: { shape: [] }, optional: true }),
    ]);
    expect(config.output[0]).toMatchObject({ name: 'SCORES', label_filename: 'labels.txt' });
    expect(config.instance_group.map((group) => [group.name, group.count, group.kind])).toEqual([
      ['cpu_pool', 2, 'KIND_CPU'],
      ['', 1, 'KIND_AUTO'],
    ]);
    expect(config.dynamic_batching).toEqual({
      preferred_batch_size: [8, 16, 32],
      max_queue_delay_microseconds: 500,
      preserve_ordering: true,
      priority_levels: 2,
      default_priority_level: 1,
      default_queue_policy: {
        timeout_action: 'DELAY',
        default_timeout_microseconds: 100000,
        allow_timeout_override: false,
        max_queue_size: 64,
      },
      priority_queue_policy: {
        '2': {
          timeout_action: 'REJECT',
          default_timeout_microseconds: 0,
          allow_timeout_override: true,
          max_queue_size: 8,
        },
      },
    });
    expect(config.optimization?.graph?.level).toBe(-1);
    expect(config.optimization?.execution_accelerators?.cpu_execution_accelerator[0]?.name).toBe('openvino');
    expect(config.model_warmup).toEqual([
      {
        name: 'zeros',
        batch_size: 8,
        count: 0,
        inputs: {
          IMAGE: {
            data_type: 'TYPE_UINT8',
            dims: [3, 224, 224],
            zero_data: true,
            input_data_type: 'zero_data',
          },
          THRESHOLD: { data_type: 'TYPE_FP32', dims: [1], random_data: true, input_data_type: 'random_data' },
        },
      },
    ]);
  });

  it('reads an ensemble configuration', () => {
    const config = parseModelConfigText(ENSEMBLE_CONFIG);
    expect(config.scheduling_choice).toBe('ensemble_scheduling');
    expect(config.ensemble_scheduling?.step).toEqual([
      {
        model_name: 'preprocess',
        model_version: -1,
        input_map: { BYTES: 'RAW' },
        output_map: { IMAGE: 'image' },
        model_namespace: '',
      },
      {
        model_name: 'defect_classifier',
        model_version: 3,
        input_map: { IMAGE: 'image' },
        output_map: { SCORES: 'SCORES' },
        model_namespace: '',
      },
    ]);
  });

  it('gives the same object as decoding the same config from the wire', () => {
    const parsed = parseModelConfigText(FULL_CONFIG);
    const type = modelConfigType();
    const decoded = modelConfigToObject(type.decode(type.encode(type.fromObject(parsed)).finish()));
    // protobufjs decodes 64-bit map keys as 8-character hash strings, not numbers, so that map is compared apart.
    const withoutPriorityQueues = (config: typeof parsed): unknown => ({
      ...config,
      dynamic_batching: { ...config.dynamic_batching, priority_queue_policy: undefined },
    });
    expect(withoutPriorityQueues(parsed)).toEqual(withoutPriorityQueues(decoded));
    expect(Object.keys(decoded.dynamic_batching?.priority_queue_policy ?? {})).toHaveLength(1);
  });

  it('normalizes with the same options as the proto package', () => {
    expect({ ...PLAIN_OBJECT_OPTIONS }).toEqual({ ...TO_OBJECT_OPTIONS });
  });
});

describe('parseModelConfigJson', () => {
  it('reads proto field names and JSON camelCase names, int64 as strings, enums by name or number', () => {
    const config = parseModelConfigJson(
      JSON.stringify({
        name: 'm',
        platform: 'onnxruntime_onnx',
        maxBatchSize: 4,
        input: [{ name: 'IN', dataType: 'TYPE_FP32', dims: ['-1', 3] }],
        output: [{ name: 'OUT', data_type: 11, dims: [3] }],
        version_policy: { all: {} },
        parameters: { p: { stringValue: 'v' } },
        optimization: null,
      }),
    );
    expect(config).toMatchObject({
      name: 'm',
      max_batch_size: 4,
      input: [{ name: 'IN', data_type: 'TYPE_FP32', dims: [-1, 3] }],
      output: [{ name: 'OUT', data_type: 'TYPE_FP32', dims: [3] }],
      version_policy: { all: {}, policy_choice: 'all' },
      parameters: { p: { string_value: 'v' } },
      optimization: null,
    });
  });

  it('round-trips the plain object shape, virtual oneof fields and nulls included', () => {
    const parsed = parseModelConfigText(FULL_CONFIG);
    expect(parseModelConfigJson(JSON.stringify(parsed))).toEqual(parsed);
  });

  it.each([
    ['not JSON', '{ name: ', undefined, /^config override: invalid JSON: /],
    ['not an object', '[1]', undefined, /^config override: expected a JSON object, got an array$/],
    [
      'an unknown field',
      '{"max_batch_sise": 8}',
      'max_batch_sise',
      /unknown field 'max_batch_sise' in inference\.ModelConfig/,
    ],
    [
      'a wrong type',
      '{"input": [{"dims": [1.5]}]}',
      'input[0].dims[0]',
      /input\[0\]\.dims\[0\]: expected an integer \(int64\), got 1\.5/,
    ],
    [
      'a bad enum',
      '{"output": [{"data_type": "FP32"}]}',
      'output[0].data_type',
      /unknown value "FP32" for enum inference\.DataType/,
    ],
    ['an out-of-range number', '{"max_batch_size": 4294967296}', 'max_batch_size', /out of range for int32/],
    [
      'two oneof members',
      '{"dynamic_batching": {}, "sequence_batching": {}}',
      'sequence_batching',
      /conflicts with 'dynamic_batching'/,
    ],
    [
      'a wrong virtual oneof field',
      '{"dynamic_batching": {}, "scheduling_choice": "sequence_batching"}',
      'scheduling_choice',
      /names "sequence_batching"/,
    ],
    [
      'a __proto__ map key',
      '{"parameters": {"__proto__": {"string_value": "x"}}}',
      'parameters["__proto__"]',
      /__proto__/,
    ],
  ])('reports %s as a ConfigError naming the field', (_case, json, field, message) => {
    let caught: unknown;
    try {
      parseModelConfigJson(json);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect(caught).toMatchObject({ file: 'config override', field });
    expect((caught as Error).message).toMatch(message);
  });
});
