import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

import type { ProtoGrpcType as InferenceProtoGrpcType } from './generated/grpc_service';
import type { ProtoGrpcType as HealthProtoGrpcType } from './generated/health';
import type {
  GRPCInferenceServiceClient,
  GRPCInferenceServiceDefinition,
} from './generated/inference/GRPCInferenceService';
import type { HealthClient, HealthDefinition } from './generated/grpc/health/v1/Health';
import { LOADER_OPTIONS, PROTO_DIR } from './proto-files';

/** The loaded gRPC package: `inference.*` from grpc_service.proto and `grpc.health.v1.*` from health.proto. */
export type InferenceGrpcPackage = InferenceProtoGrpcType & HealthProtoGrpcType;

/**
 * Client options applied unless the caller overrides them. Inference responses (images, feature maps) can be
 * far larger than gRPC's default 4 MiB receive limit, so both directions are left unbounded here; callers that
 * want a cap set one explicitly.
 */
export const DEFAULT_CLIENT_OPTIONS: Readonly<grpc.ClientOptions> = Object.freeze({
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
});

// Parsing the .proto files is pure and costs tens of milliseconds, so it is done once per process.
let cachedPackage: InferenceGrpcPackage | undefined;

/** Parses grpc_service.proto (with model_config.proto) and health.proto into a typed gRPC package object. */
export function loadInferenceDefinition(): InferenceGrpcPackage {
  if (cachedPackage === undefined) {
    const definition = protoLoader.loadSync(['grpc_service.proto', 'health.proto'], {
      ...LOADER_OPTIONS,
      includeDirs: [PROTO_DIR],
    });
    cachedPackage = grpc.loadPackageDefinition(definition) as unknown as InferenceGrpcPackage;
  }
  return cachedPackage;
}

/** Service definition for `server.addService(inferenceServiceDefinition(), handlers)`. */
export function inferenceServiceDefinition(): GRPCInferenceServiceDefinition {
  return loadInferenceDefinition().inference.GRPCInferenceService.service;
}

/** Service definition for `server.addService(healthServiceDefinition(), handlers)`. */
export function healthServiceDefinition(): HealthDefinition {
  return loadInferenceDefinition().grpc.health.v1.Health.service;
}

/**
 * A typed KServe v2 client. Defaults to a plaintext channel and DEFAULT_CLIENT_OPTIONS; `options` are merged
 * over those defaults.
 */
export function createInferenceClient(
  address: string,
  options: grpc.ClientOptions = {},
  credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
): GRPCInferenceServiceClient {
  const Client = loadInferenceDefinition().inference.GRPCInferenceService;
  return new Client(address, credentials, { ...DEFAULT_CLIENT_OPTIONS, ...options });
}

/** A typed grpc.health.v1 client, with the same defaults as createInferenceClient. */
export function createHealthClient(
  address: string,
  options: grpc.ClientOptions = {},
  credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
): HealthClient {
  const Client = loadInferenceDefinition().grpc.health.v1.Health;
  return new Client(address, credentials, { ...DEFAULT_CLIENT_OPTIONS, ...options });
}
