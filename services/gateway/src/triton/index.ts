// Public API of the Triton client module: the only gateway code that imports @grpc/grpc-js and opossum.
export {
  TritonClient,
  parseEndpointList,
  type CallOptions,
  type ReplicaResult,
  type TritonClientOptions,
} from './triton-client';
export type { InferRequest, InferResult } from './infer-codec';
export {
  DEFAULT_BREAKER_OPTIONS,
  type BreakerChange,
  type BreakerOptions,
  type BreakerState,
  type EndpointStatus,
} from './endpoint-pool';
export { KEEPALIVE_TIME_MS, KEEPALIVE_TIMEOUT_MS, type ConnectionOptions } from './triton-connection';
export { BACKPRESSURE_RETRY_AFTER_SECONDS, failureKindOf, type FailureKind } from './triton-errors';
