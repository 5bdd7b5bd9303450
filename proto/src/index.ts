// Public API of @defect-gateway/proto: where the protocol files are, typed gRPC loaders and clients, the
// protobufjs ModelConfig type, and stable names for the generated message types.
import { DataType as DataTypeValues } from './generated/inference/DataType';
import type { DataType } from './types';

export { LOADER_OPTIONS, PROTO_DIR, PROTO_FILES, protoPath, type ProtoFile } from './proto-files';
export {
  DEFAULT_CLIENT_OPTIONS,
  createHealthClient,
  createInferenceClient,
  healthServiceDefinition,
  inferenceServiceDefinition,
  loadInferenceDefinition,
  type InferenceGrpcPackage,
} from './grpc-loader';
export {
  TO_OBJECT_OPTIONS,
  loadModelConfigRoot,
  modelConfigToObject,
  modelConfigType,
} from './model-config-type';
export * from './types';

/** Every DataType name, in enum order ('TYPE_INVALID', 'TYPE_BOOL', …). */
export const DATA_TYPES: readonly DataType[] = Object.freeze(Object.values(DataTypeValues));
