import { status, type ServiceError, Metadata } from '@grpc/grpc-js';
import { isModelServerError, type ErrorKind } from '../errors';

const CODE_FOR: Record<ErrorKind, status> = {
  input: status.INVALID_ARGUMENT,
  'not-found': status.NOT_FOUND,
  unavailable: status.UNAVAILABLE,
  internal: status.INTERNAL,
  unsupported: status.UNIMPLEMENTED,
  'already-exists': status.ALREADY_EXISTS,
  cancelled: status.CANCELLED,
};

/** The one place where domain errors become gRPC statuses (the codes Triton's gRPC frontend uses). */
export function toGrpcCode(err: unknown): status {
  return isModelServerError(err) ? CODE_FOR[err.kind] : status.INTERNAL;
}

export function toServiceError(err: unknown): Partial<ServiceError> {
  const message = err instanceof Error ? err.message : String(err);
  return { code: toGrpcCode(err), details: message, message, metadata: new Metadata() };
}
