/**
 * Domain errors of the model server. They know nothing about gRPC; `grpc/status-mapping.ts` is the one place
 * that turns them into status codes. Messages follow Triton's wording so clients cannot tell the two apart.
 */
export abstract class ModelServerError extends Error {
  abstract readonly kind: ErrorKind;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export type ErrorKind =
  'input' | 'not-found' | 'unavailable' | 'internal' | 'unsupported' | 'already-exists' | 'cancelled';

/** The request is malformed for this model (shape, type, size, names): INVALID_ARGUMENT. */
export class InputError extends ModelServerError {
  readonly kind = 'input' as const;
}

/** Unknown model, version or tensor: NOT_FOUND. */
export class NotFoundError extends ModelServerError {
  readonly kind = 'not-found' as const;
}

/** Temporarily unable to serve: queue full, model unloading, server shutting down: UNAVAILABLE. */
export class UnavailableError extends ModelServerError {
  readonly kind = 'unavailable' as const;
}

/** The server failed: model load failure, backend error: INTERNAL. */
export class InternalError extends ModelServerError {
  readonly kind = 'internal' as const;
}

/** A feature the server does not offer (for example shared memory): UNIMPLEMENTED / UNSUPPORTED. */
export class UnsupportedError extends ModelServerError {
  readonly kind = 'unsupported' as const;
}

/** The client cancelled the call or its deadline passed before the work started: CANCELLED. */
export class CancelledError extends ModelServerError {
  readonly kind = 'cancelled' as const;
}

export function isModelServerError(err: unknown): err is ModelServerError {
  return err instanceof ModelServerError;
}

/** Walks the `cause` chain looking for an error of the given kind. */
export function hasKind(err: unknown, kind: ErrorKind): boolean {
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 16; depth++) {
    if (isModelServerError(current) && current.kind === kind) return true;
    current = current instanceof Error ? current.cause : undefined;
  }
  return false;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The same kind of error with another message (the original becomes its cause). */
export function withMessage(err: unknown, message: string): Error {
  if (isModelServerError(err)) {
    const Ctor = err.constructor as new (message: string, options?: { cause?: unknown }) => ModelServerError;
    return new Ctor(message, { cause: err });
  }
  return new InternalError(message, { cause: err });
}
