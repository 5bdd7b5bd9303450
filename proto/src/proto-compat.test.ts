import * as fs from 'node:fs';
import * as path from 'node:path';

import { PROTO_DIR, PROTO_FILES } from './proto-files';
import { compareSchemas, loadSchema, parseSchema } from './schema-compat';

// Triton's published protocol files, kept read-only beside the repository (see their README.md).
const TRITON_DIR = path.resolve(__dirname, '../../../shared/reference/triton');

// What Triton defines and we deliberately leave out: shared-memory regions (we only move tensors inline or as
// raw bytes), the trace and log settings APIs. A change here means the protocol surface changed on purpose.
const KNOWN_OMISSIONS = [
  'inference.CudaSharedMemoryRegisterRequest',
  'inference.CudaSharedMemoryRegisterResponse',
  'inference.CudaSharedMemoryStatusRequest',
  'inference.CudaSharedMemoryStatusResponse',
  'inference.CudaSharedMemoryUnregisterRequest',
  'inference.CudaSharedMemoryUnregisterResponse',
  'inference.GRPCInferenceService.CudaSharedMemoryRegister',
  'inference.GRPCInferenceService.CudaSharedMemoryStatus',
  'inference.GRPCInferenceService.CudaSharedMemoryUnregister',
  'inference.GRPCInferenceService.LogSettings',
  'inference.GRPCInferenceService.SystemSharedMemoryRegister',
  'inference.GRPCInferenceService.SystemSharedMemoryStatus',
  'inference.GRPCInferenceService.SystemSharedMemoryUnregister',
  'inference.GRPCInferenceService.TraceSetting',
  'inference.LogSettingsRequest',
  'inference.LogSettingsResponse',
  'inference.SystemSharedMemoryRegisterRequest',
  'inference.SystemSharedMemoryRegisterResponse',
  'inference.SystemSharedMemoryStatusRequest',
  'inference.SystemSharedMemoryStatusResponse',
  'inference.SystemSharedMemoryUnregisterRequest',
  'inference.SystemSharedMemoryUnregisterResponse',
  'inference.TraceSettingRequest',
  'inference.TraceSettingResponse',
];

// What we define beyond Triton's copy: the standard streaming health check, which grpc-js clients may use.
const KNOWN_ADDITIONS = ['grpc.health.v1.Health.Watch'];

const describeIfTriton = fs.existsSync(path.join(TRITON_DIR, 'grpc_service.proto'))
  ? describe
  : describe.skip;

describeIfTriton('our .proto files against Triton', () => {
  const triton = loadSchema(TRITON_DIR, PROTO_FILES);
  const comparison = compareSchemas(loadSchema(PROTO_DIR, PROTO_FILES), triton);

  it('define every shared message, enum and method exactly as Triton does', () => {
    expect(comparison.mismatches).toEqual([]);
  });

  it('leave out only the known Triton features', () => {
    console.log(`Triton features left out of proto/:\n  ${comparison.omitted.join('\n  ')}`);
    expect(comparison.omitted).toEqual(KNOWN_OMISSIONS);
  });

  it('add only the known extras', () => {
    expect(comparison.additions).toEqual(KNOWN_ADDITIONS);
  });

  describe('the comparison itself', () => {
    // Each schema is Triton's definition with one deliberate wire-level change.
    const cases: [string, string, string][] = [
      [
        'a wrong field number',
        'message ServerLiveResponse { bool live = 2; }',
        'inference.ServerLiveResponse.live: number is 2, reference has 1',
      ],
      [
        'a wrong scalar type',
        'message ModelReadyResponse { int32 ready = 1; }',
        'inference.ModelReadyResponse.ready: type is int32, reference has bool',
      ],
      [
        'a missing repeated label',
        'message ServerMetadataResponse { string name = 1; string version = 2; string extensions = 3; }',
        'inference.ServerMetadataResponse.extensions: label is singular, reference has repeated',
      ],
      [
        'a wrong map key type',
        'message InferParameter {} message RepositoryModelLoadRequest { map<int32, InferParameter> parameters = 3; }',
        'inference.RepositoryModelLoadRequest.parameters: mapKey is int32, reference has string',
      ],
      [
        'a wrong message type',
        'message StatisticDuration {} message MemoryUsage {} message InferStatistics { MemoryUsage success = 1; }',
        'inference.InferStatistics.success: type is inference.MemoryUsage, reference has inference.StatisticDuration',
      ],
      [
        'a field moved out of its oneof',
        'message InferParameter { bool bool_param = 1; }',
        'inference.InferParameter.bool_param: oneof is -, reference has parameter_choice',
      ],
      [
        'a proto3 optional field',
        'message ModelReadyRequest { optional string name = 1; }',
        'inference.ModelReadyRequest.name: proto3Optional is true, reference has false',
      ],
      [
        'a wrong enum number',
        'enum DataType { TYPE_INVALID = 0; TYPE_FP32 = 10; }',
        'inference.DataType.TYPE_FP32: value is 10, reference has 11',
      ],
      [
        'a lost streaming flag',
        'message ModelInferRequest {} message ModelStreamInferResponse {}' +
          ' service GRPCInferenceService { rpc ModelStreamInfer(ModelInferRequest) returns (stream ModelStreamInferResponse); }',
        'inference.GRPCInferenceService.ModelStreamInfer: is (inference.ModelInferRequest) returns' +
          ' (stream inference.ModelStreamInferResponse), reference has (stream inference.ModelInferRequest)' +
          ' returns (stream inference.ModelStreamInferResponse)',
      ],
    ];

    it.each(cases)('reports %s', (_what, definitions, expected) => {
      const wrong = parseSchema(`syntax = "proto3"; package inference; ${definitions}`);
      expect(compareSchemas(wrong, triton).mismatches).toContain(expected);
    });

    it('reports a message Triton does not define as an addition', () => {
      const extra = parseSchema(
        'syntax = "proto3"; package inference; message DefectReport { string id = 1; }',
      );
      expect(compareSchemas(extra, triton).additions).toEqual(['inference.DefectReport']);
    });
  });
});
