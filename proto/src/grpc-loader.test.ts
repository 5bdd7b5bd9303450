import {
  createHealthClient,
  createInferenceClient,
  healthServiceDefinition,
  inferenceServiceDefinition,
  loadInferenceDefinition,
} from './grpc-loader';

describe('loadInferenceDefinition', () => {
  it('exposes the KServe v2 service with its twelve methods', () => {
    const service = loadInferenceDefinition().inference.GRPCInferenceService.service;
    expect(Object.keys(service).sort()).toEqual([
      'ModelConfig',
      'ModelInfer',
      'ModelMetadata',
      'ModelReady',
      'ModelStatistics',
      'ModelStreamInfer',
      'RepositoryIndex',
      'RepositoryModelLoad',
      'RepositoryModelUnload',
      'ServerLive',
      'ServerMetadata',
      'ServerReady',
    ]);
    expect(service.ModelStreamInfer.requestStream).toBe(true);
    expect(service.ModelStreamInfer.responseStream).toBe(true);
    expect(service.ModelInfer.path).toBe('/inference.GRPCInferenceService/ModelInfer');
  });

  it('exposes grpc.health.v1 Health with Check and streaming Watch', () => {
    const health = healthServiceDefinition();
    expect(health.Check.path).toBe('/grpc.health.v1.Health/Check');
    expect(health.Watch.responseStream).toBe(true);
  });

  it('hands out the same definitions for server.addService', () => {
    expect(inferenceServiceDefinition()).toBe(
      loadInferenceDefinition().inference.GRPCInferenceService.service,
    );
  });

  it('decodes requests the way the generated types describe them', () => {
    const { ModelInfer } = inferenceServiceDefinition();
    const bytes = ModelInfer.requestSerialize({
      model_name: 'defect_classifier',
      inputs: [{ name: 'IMAGE', datatype: 'UINT8', shape: [1, 224, 224, 3] }],
      parameters: { priority: { int64_param: 2 } },
      raw_input_contents: [Buffer.from([1, 2, 3])],
    });
    const request = ModelInfer.requestDeserialize(bytes);
    expect(request.model_name).toBe('defect_classifier');
    expect(request.model_version).toBe(''); // defaults filled in
    expect(request.inputs[0]?.shape).toEqual([1, 224, 224, 3]); // int64 as numbers
    expect(request.inputs[0]?.contents).toBeNull();
    expect(request.parameters['priority']).toEqual({ int64_param: 2, parameter_choice: 'int64_param' });
    expect(request.raw_input_contents[0]).toEqual(Buffer.from([1, 2, 3]));
  });
});

describe('clients', () => {
  it('are created without connecting, and close cleanly', () => {
    const inference = createInferenceClient('127.0.0.1:1', { 'grpc.max_receive_message_length': 1024 });
    const health = createHealthClient('127.0.0.1:1');
    expect(typeof inference.ModelInfer).toBe('function');
    expect(typeof inference.ModelStreamInfer).toBe('function');
    expect(typeof health.Watch).toBe('function');
    inference.close();
    health.close();
  });
});
