// Conformance: health, server metadata, model metadata and model config.
// Every assertion here holds for NVIDIA Triton serving tests/fixtures/model_repository in explicit mode and
// must hold for model-server; nothing is specific to either (see README.md).
import { useConformanceServer } from './server';

const server = useConformanceServer({ models: ['simple', 'image_u8', 'labelled', 'no_batch'] });

describe('health', () => {
  test('ServerLive and ServerReady are true', async () => {
    const { client } = server();
    expect(await client.serverLive()).toBe(true);
    expect(await client.serverReady()).toBe(true);
  });

  test('grpc.health.v1 Check reports SERVING', async () => {
    expect(await server().client.healthCheck()).toBe('SERVING');
  });

  test('ModelReady is true for a loaded model and false (not an error) for an unknown one', async () => {
    const { client } = server();
    expect(await client.modelReady('simple')).toBe(true);
    expect(await client.modelReady('simple', '1')).toBe(true);
    expect(await client.modelReady('no_such_model')).toBe(false);
  });
});

describe('ServerMetadata', () => {
  test('has a name, a version and extensions', async () => {
    const meta = await server().client.serverMetadata();
    expect(meta.name).not.toBe('');
    expect(meta.version).not.toBe('');
    expect(meta.extensions.length).toBeGreaterThan(0);
    for (const ext of meta.extensions) expect(ext).not.toBe('');
  });
});

describe('ModelMetadata', () => {
  test('simple: platform, versions, FP32 tensors with -1 batch dimension', async () => {
    const meta = await server().client.modelMetadata('simple');
    expect(meta.name).toBe('simple');
    expect(meta.versions).toEqual(['1']);
    expect(meta.platform).toBe('onnxruntime_onnx');
    const byName = (list: typeof meta.inputs) => [...list].sort((x, y) => x.name.localeCompare(y.name));
    expect(byName(meta.inputs)).toEqual([
      { name: 'INPUT0', datatype: 'FP32', shape: [-1, 16] },
      { name: 'INPUT1', datatype: 'FP32', shape: [-1, 16] },
    ]);
    expect(byName(meta.outputs)).toEqual([
      { name: 'OUTPUT0', datatype: 'FP32', shape: [-1, 16] },
      { name: 'OUTPUT1', datatype: 'FP32', shape: [-1, 16] },
    ]);
  });

  test('simple with an explicit version', async () => {
    const meta = await server().client.modelMetadata('simple', '1');
    expect(meta.name).toBe('simple');
    expect(meta.versions).toEqual(['1']);
  });

  test('image_u8: UINT8 image in, FP32 mean out', async () => {
    const meta = await server().client.modelMetadata('image_u8');
    expect(meta.platform).toBe('onnxruntime_onnx');
    expect(meta.inputs).toEqual([{ name: 'IMAGE', datatype: 'UINT8', shape: [-1, 1, 64, 64] }]);
    expect(meta.outputs).toEqual([{ name: 'MEAN', datatype: 'FP32', shape: [-1, 1] }]);
  });

  test('labelled', async () => {
    const meta = await server().client.modelMetadata('labelled');
    expect(meta.inputs).toEqual([{ name: 'INPUT0', datatype: 'FP32', shape: [-1, 3] }]);
    expect(meta.outputs).toEqual([{ name: 'OUTPUT0', datatype: 'FP32', shape: [-1, 3] }]);
  });

  test('no_batch: no batch dimension when max_batch_size is 0', async () => {
    const meta = await server().client.modelMetadata('no_batch');
    expect(meta.inputs).toEqual([{ name: 'INPUT0', datatype: 'FP32', shape: [2, 3] }]);
    expect(meta.outputs).toEqual([{ name: 'OUTPUT0', datatype: 'FP32', shape: [2, 3] }]);
  });
});

describe('ModelConfig', () => {
  test('simple: batching, inputs, outputs, dynamic batching', async () => {
    const config = await server().client.modelConfig('simple');
    expect(config.name).toBe('simple');
    expect(config.platform).toBe('onnxruntime_onnx');
    expect(config.max_batch_size).toBe(8);
    expect(config.input.map((t) => [t.name, t.data_type, t.dims])).toEqual([
      ['INPUT0', 'TYPE_FP32', [16]],
      ['INPUT1', 'TYPE_FP32', [16]],
    ]);
    expect(config.output.map((t) => [t.name, t.data_type, t.dims])).toEqual([
      ['OUTPUT0', 'TYPE_FP32', [16]],
      ['OUTPUT1', 'TYPE_FP32', [16]],
    ]);
    expect(config.dynamic_batching).not.toBeNull();
    expect(config.dynamic_batching?.max_queue_delay_microseconds).toBe(2000);
  });

  test('image_u8: preferred batch sizes and queue delay', async () => {
    const config = await server().client.modelConfig('image_u8');
    expect(config.max_batch_size).toBe(32);
    expect(config.input.map((t) => [t.name, t.data_type, t.dims])).toEqual([
      ['IMAGE', 'TYPE_UINT8', [1, 64, 64]],
    ]);
    expect(config.output.map((t) => [t.name, t.data_type, t.dims])).toEqual([['MEAN', 'TYPE_FP32', [1]]]);
    expect(config.dynamic_batching?.preferred_batch_size).toEqual([8, 32]);
    expect(config.dynamic_batching?.max_queue_delay_microseconds).toBe(1000);
  });

  test('labelled: string parameters and label file', async () => {
    const config = await server().client.modelConfig('labelled');
    expect(config.max_batch_size).toBe(8);
    expect(config.parameters.modality).toEqual({ string_value: 'visual' });
    expect(config.parameters.classes).toEqual({ string_value: 'good,scratch,crack' });
    expect(config.output[0]?.label_filename).toBe('labels.txt');
  });

  test('no_batch: max_batch_size 0 and full dims', async () => {
    const config = await server().client.modelConfig('no_batch');
    expect(config.max_batch_size).toBe(0);
    expect(config.input[0]?.dims).toEqual([2, 3]);
  });
});
