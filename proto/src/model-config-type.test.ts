import { modelConfigToObject, modelConfigType } from './model-config-type';
import type { ModelConfigInput } from './types';

describe('modelConfigType', () => {
  const config: ModelConfigInput = {
    name: 'defect_classifier',
    backend: 'onnxruntime',
    max_batch_size: 16,
    input: [{ name: 'IMAGE', data_type: 'TYPE_FP32', format: 'FORMAT_NCHW', dims: [3, 224, 224] }],
    output: [{ name: 'SCORES', data_type: 'TYPE_FP32', dims: [4], label_filename: 'labels.txt' }],
    instance_group: [{ kind: 'KIND_CPU', count: 2 }],
    dynamic_batching: {
      preferred_batch_size: [4, 8],
      max_queue_delay_microseconds: 500,
      default_queue_policy: {
        timeout_action: 'REJECT',
        default_timeout_microseconds: 100_000,
        max_queue_size: 64,
      },
    },
    version_policy: { latest: { num_versions: 1 } },
    parameters: { threshold: { string_value: '0.5' } },
  };

  it('encodes and decodes a ModelConfig without loss, with snake_case names', () => {
    const type = modelConfigType();
    expect(type.fullName).toBe('.inference.ModelConfig');
    const bytes = type.encode(type.fromObject(config)).finish();
    const decoded = modelConfigToObject(type.decode(bytes));

    expect(decoded).toMatchObject(config);
    expect(decoded.scheduling_choice).toBe('dynamic_batching');
    expect(decoded.version_policy?.policy_choice).toBe('latest');
    expect(decoded.dynamic_batching?.default_queue_policy?.default_timeout_microseconds).toBe(100_000);
    expect(decoded.input[0]?.is_shape_tensor).toBe(false); // defaults filled in
    expect(decoded.platform).toBe('');
  });

  it('refuses JSON whose structure does not fit the schema', () => {
    expect(() => modelConfigType().fromObject({ input: 'IMAGE' })).toThrow(/input: array expected/);
  });
});
