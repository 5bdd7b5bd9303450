import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  DeadlineError,
  InputError,
  InternalError,
  NotFoundError,
  PayloadTooLargeError,
  TooManyRequestsError,
  UnavailableError,
} from '../domain/errors';
import { classifyGrpcError, failsOver, failureKindOf, tripsBreaker, type FailureKind } from './triton-errors';

function serviceError(code: status, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), {
    code,
    details,
    metadata: new Metadata(),
  });
}

const site = { address: '10.0.0.7:8001', method: 'ModelInfer' };

describe('classifyGrpcError', () => {
  const cases: Array<[status, string, new (...args: never[]) => Error, FailureKind]> = [
    [status.UNAVAILABLE, '[request id: 7] Exceeds maximum queue size', TooManyRequestsError, 'backpressure'],
    [status.UNAVAILABLE, 'Request timeout expired', TooManyRequestsError, 'backpressure'],
    [
      status.UNAVAILABLE,
      "Request for unknown model: 'simple' version 2 is not at ready state",
      UnavailableError,
      'model-unavailable',
    ],
    [status.UNAVAILABLE, 'No connection established', UnavailableError, 'endpoint'],
    [status.UNAVAILABLE, 'Server is shutting down', UnavailableError, 'endpoint'],
    [
      status.UNAVAILABLE,
      'explicit model load / unload is not allowed if polling is enabled',
      InternalError,
      'server',
    ],
    [status.DEADLINE_EXCEEDED, 'Deadline exceeded after 1.002s', DeadlineError, 'deadline'],
    [status.INVALID_ARGUMENT, "unexpected shape for input 'INPUT0'", InputError, 'caller'],
    [status.NOT_FOUND, "Request for unknown model: 'nope' is not found", NotFoundError, 'caller'],
    [status.RESOURCE_EXHAUSTED, 'Received message larger than max (9 vs. 4)', PayloadTooLargeError, 'caller'],
    [status.RESOURCE_EXHAUSTED, 'too busy', TooManyRequestsError, 'backpressure'],
    [status.INTERNAL, 'onnx runtime error 6', UnavailableError, 'endpoint'],
    [status.INTERNAL, "failed to load 'bad', failed to poll from model repository", InternalError, 'server'],
    [status.INTERNAL, 'Request message serialization failure: bad', InternalError, 'local'],
    [status.UNKNOWN, 'boom', UnavailableError, 'endpoint'],
    [status.CANCELLED, 'Cancelled on server', UnavailableError, 'endpoint'],
    [status.UNIMPLEMENTED, 'The server does not implement the method', InternalError, 'server'],
  ];

  it.each(cases)('%s "%s" → %p (%s)', (code, details, Type, kind) => {
    const grpcErr = serviceError(code, details);
    const err = classifyGrpcError(grpcErr, site);
    expect(err).toBeInstanceOf(Type);
    expect(failureKindOf(err)).toBe(kind);
    expect(err.cause).toBe(grpcErr);
    expect(err.details).toEqual({ grpcCode: status[code] });
  });

  it('keeps Triton wording for caller errors and names the endpoint for endpoint failures', () => {
    expect(classifyGrpcError(serviceError(status.INVALID_ARGUMENT, 'bad shape'), site).message).toBe(
      'bad shape',
    );
    expect(classifyGrpcError(serviceError(status.UNAVAILABLE, 'down'), site).message).toContain(
      '10.0.0.7:8001',
    );
  });

  it('gives back-pressure a retry-after', () => {
    const err = classifyGrpcError(serviceError(status.UNAVAILABLE, 'Exceeds maximum queue size'), site);
    expect((err as TooManyRequestsError).retryAfterSeconds).toBe(1);
  });

  it('treats non-gRPC errors as local', () => {
    const err = classifyGrpcError(new TypeError('oops'), site);
    expect(err).toBeInstanceOf(InternalError);
    expect(failureKindOf(err)).toBe('local');
  });

  it('only endpoint failures trip the breaker; endpoint and model-unavailable fail over', () => {
    const kinds: FailureKind[] = [
      'endpoint',
      'model-unavailable',
      'backpressure',
      'deadline',
      'caller',
      'server',
      'local',
    ];
    expect(kinds.filter(tripsBreaker)).toEqual(['endpoint']);
    expect(kinds.filter(failsOver)).toEqual(['endpoint', 'model-unavailable']);
    expect(tripsBreaker(undefined)).toBe(false);
    expect(failsOver(undefined)).toBe(false);
  });
});
