/**
 * Domain errors of the gateway. They know nothing about HTTP; `http/error-mapping.ts` is the one place that
 * turns them into status codes. Wrap with `{ cause }`; the predicates walk the cause chain.
 */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'undecodable_image'
  | 'unusable_image'
  | 'idempotency_key_reused'
  | 'too_many_requests'
  | 'unavailable'
  | 'deadline_exceeded'
  | 'internal';

export abstract class GatewayError extends Error {
  abstract readonly code: ErrorCode;
  /** Extra, client-safe facts (field names, limits); never secrets. */
  readonly details: Record<string, unknown> | undefined;

  constructor(message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options?.details;
  }
}

/** Malformed request: bad field, bad measurement, unknown option. */
export class InputError extends GatewayError {
  readonly code = 'bad_request' as const;
}

export class UnauthorizedError extends GatewayError {
  readonly code = 'unauthorized' as const;
}

export class ForbiddenError extends GatewayError {
  readonly code = 'forbidden' as const;
}

export class NotFoundError extends GatewayError {
  readonly code = 'not_found' as const;
}

/** The request conflicts with the current state (e.g. cancelling a finished job). */
export class ConflictError extends GatewayError {
  readonly code = 'conflict' as const;
}

export class PayloadTooLargeError extends GatewayError {
  readonly code = 'payload_too_large' as const;
}

export class UnsupportedMediaTypeError extends GatewayError {
  readonly code = 'unsupported_media_type' as const;
}

/** The bytes are an image type we accept but cannot be decoded (truncated, corrupt, bomb). */
export class UndecodableImageError extends GatewayError {
  readonly code = 'undecodable_image' as const;
}

/** The image decodes but carries nothing to inspect (e.g. a blank frame from a failed camera). */
export class UnusableImageError extends GatewayError {
  readonly code = 'unusable_image' as const;
}

/** An Idempotency-Key sent again with another request (another input, station, lot or part) than it was first used for. */
export class IdempotencyKeyReusedError extends GatewayError {
  readonly code = 'idempotency_key_reused' as const;
}

/**
 * The caller already used this Idempotency-Key for a record (a decision, a job) that committed first, possibly
 * while this request was being served. A conflict, so a recorder passes it on as it is rather than as an outage;
 * the request's handler answers with the earlier record.
 */
export class DuplicateIdempotencyKeyError extends ConflictError {
  constructor(
    readonly actorName: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super('this Idempotency-Key was already used', options);
  }
}

/** Back-pressure: a queue is full; the client should retry after `retryAfterSeconds`. */
export class TooManyRequestsError extends GatewayError {
  readonly code = 'too_many_requests' as const;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options);
  }
}

/** A dependency (Triton, database) is down or its breaker is open. */
export class UnavailableError extends GatewayError {
  readonly code = 'unavailable' as const;
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options);
  }
}

/** The request's deadline passed before it could be served. */
export class DeadlineError extends GatewayError {
  readonly code = 'deadline_exceeded' as const;
}

export class InternalError extends GatewayError {
  readonly code = 'internal' as const;
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}

/** Finds the first gateway error in the cause chain. */
export function findGatewayError(err: unknown): GatewayError | undefined {
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 16; depth++) {
    if (isGatewayError(current)) return current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

export const isDeadline = (err: unknown): boolean => findGatewayError(err) instanceof DeadlineError;
export const isBackpressure = (err: unknown): boolean =>
  findGatewayError(err) instanceof TooManyRequestsError;
export const isUnavailable = (err: unknown): boolean => findGatewayError(err) instanceof UnavailableError;
