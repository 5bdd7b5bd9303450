import { status, type ServiceError } from '@grpc/grpc-js';
import {
  DeadlineError,
  InputError,
  InternalError,
  NotFoundError,
  PayloadTooLargeError,
  TooManyRequestsError,
  UnavailableError,
  type GatewayError,
} from '../domain/errors';

/**
 * What a failed Triton call says about the endpoint, which decides what the client does next:
 *  - `endpoint`: the replica is unhealthy (unreachable, not ready, shutting down, crashed). Counts against its
 *    breaker and the call fails over to another replica.
 *  - `model-unavailable`: the replica is healthy but this model version is not READY there (loading,
 *    unloading). Fails over (another replica may have it) but does not count against the breaker.
 *  - `backpressure`: the replica's queue is full or a request waited too long in it. Neither trips nor fails
 *    over: re-sending would only add load; the caller gets 429.
 *  - `deadline`: the caller's deadline passed. Neither trips nor fails over (there is no time left).
 *  - `caller`: the request or the configuration is wrong (bad input, unknown model). Never retried.
 *  - `server`: a healthy replica refused an operation it cannot perform (model load failure, unimplemented
 *    method, not authorised). Never retried, never trips.
 *  - `local`: the failure happened in this process (serialization, closed client). Never retried.
 */
export type FailureKind =
  'endpoint' | 'model-unavailable' | 'backpressure' | 'deadline' | 'caller' | 'server' | 'local';

/** Seconds a client is told to wait after back-pressure from Triton (Triton gives no hint of its own). */
export const BACKPRESSURE_RETRY_AFTER_SECONDS = 1;

// Triton's wording (core scheduler_utils.cc: queue policy; model_lifecycle.cc: GetModel).
const QUEUE_FULL = /exceeds maximum queue size|request timeout expired/i;
const MODEL_NOT_READY = /^Request for unknown model: .* is not at ready state/;
const LOAD_FAILED = /^failed to load '|^load failed for model '|load \/ unload is not allowed/;
const MESSAGE_TOO_LARGE = /larger than max/i;
const LOCAL_SERIALIZATION = /serialization failure/i;

const kinds = new WeakMap<GatewayError, FailureKind>();

export interface CallSite {
  /** The endpoint address (host:port). */
  address: string;
  /** The RPC, e.g. 'ModelInfer'. */
  method: string;
}

export function isServiceError(err: unknown): err is ServiceError {
  return (
    err instanceof Error &&
    typeof (err as Partial<ServiceError>).code === 'number' &&
    typeof (err as Partial<ServiceError>).details === 'string'
  );
}

/** The failure kind recorded when the error was classified; undefined for errors not made here. */
export function failureKindOf(err: unknown): FailureKind | undefined {
  return typeof err === 'object' && err !== null ? kinds.get(err as GatewayError) : undefined;
}

/** Whether a failure counts against the endpoint's breaker. */
export const tripsBreaker = (kind: FailureKind | undefined): boolean => kind === 'endpoint';

/** Whether a failure may be sent to another endpoint (the failover loop's retryable set). */
export const failsOver = (kind: FailureKind | undefined): boolean =>
  kind === 'endpoint' || kind === 'model-unavailable';

/** Records the kind of an error made outside the classifier (pool and connection errors). */
export function withKind<E extends GatewayError>(error: E, kind: FailureKind): E {
  kinds.set(error, kind);
  return error;
}

/**
 * The one place where a gRPC status from Triton becomes a domain error. The original error is the `cause`.
 * Caller-facing messages (bad input, unknown model) are Triton's own. Only endpoint failures name the endpoint
 * (for logs, to tell replicas apart): they reach callers only as the cause of the failover loop's error, whose
 * message names no address.
 */
export function classifyGrpcError(err: unknown, site: CallSite): GatewayError {
  if (!isServiceError(err)) {
    const text = err instanceof Error ? err.message : String(err);
    return withKind(new InternalError(`${site.method} failed locally: ${text}`, { cause: err }), 'local');
  }
  const options = { cause: err, details: { grpcCode: status[err.code] ?? String(err.code) } };
  const text = err.details;
  const op = `Triton ${site.method}`;
  // Endpoint failures never reach a client as they are: the failover loop wraps them in its own error.
  const at = `${op} at ${site.address}`;
  switch (err.code) {
    case status.UNAVAILABLE:
      if (QUEUE_FULL.test(text)) {
        return withKind(
          new TooManyRequestsError(
            `Triton is overloaded: ${text}`,
            BACKPRESSURE_RETRY_AFTER_SECONDS,
            options,
          ),
          'backpressure',
        );
      }
      if (MODEL_NOT_READY.test(text)) {
        return withKind(new UnavailableError(text, 1, options), 'model-unavailable');
      }
      if (LOAD_FAILED.test(text)) return withKind(new InternalError(`${op}: ${text}`, options), 'server');
      return withKind(new UnavailableError(`${at} unavailable: ${text}`, 1, options), 'endpoint');
    case status.DEADLINE_EXCEEDED:
      return withKind(
        new DeadlineError(`deadline exceeded during ${site.method}: ${text}`, options),
        'deadline',
      );
    case status.INVALID_ARGUMENT:
    case status.OUT_OF_RANGE:
    case status.FAILED_PRECONDITION:
    case status.ALREADY_EXISTS:
      return withKind(new InputError(text, options), 'caller');
    case status.NOT_FOUND:
      return withKind(new NotFoundError(text, options), 'caller');
    case status.RESOURCE_EXHAUSTED:
      if (MESSAGE_TOO_LARGE.test(text)) return withKind(new PayloadTooLargeError(text, options), 'caller');
      return withKind(
        new TooManyRequestsError(`Triton is overloaded: ${text}`, BACKPRESSURE_RETRY_AFTER_SECONDS, options),
        'backpressure',
      );
    case status.INTERNAL:
      if (LOCAL_SERIALIZATION.test(text)) {
        return withKind(new InternalError(`${site.method} failed locally: ${text}`, options), 'local');
      }
      if (LOAD_FAILED.test(text)) return withKind(new InternalError(`${op}: ${text}`, options), 'server');
      return withKind(new UnavailableError(`${at} failed: ${text}`, 1, options), 'endpoint');
    case status.UNKNOWN:
    case status.CANCELLED:
    case status.ABORTED:
    case status.DATA_LOSS:
      return withKind(new UnavailableError(`${at} failed: ${text}`, 1, options), 'endpoint');
    case status.UNIMPLEMENTED:
    case status.UNAUTHENTICATED:
    case status.PERMISSION_DENIED:
      return withKind(new InternalError(`${op} refused: ${text}`, options), 'server');
    default:
      return withKind(new InternalError(`${op}: unexpected status ${err.code}: ${text}`, options), 'local');
  }
}
