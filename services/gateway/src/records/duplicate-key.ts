import { DuplicateIdempotencyKeyError } from '../domain/errors';

/**
 * A `.catch` handler for an INSERT that stores an Idempotency-Key: the refusal of the table's unique key index
 * (`constraint`) becomes DuplicateIdempotencyKeyError; anything else is rethrown as it is.
 */
export function onKeyTaken(constraint: string, actorName: string, key: string | undefined) {
  return (err: unknown): never => {
    const e = err as { code?: unknown; constraint?: unknown };
    if (key !== undefined && e.code === '23505' && e.constraint === constraint)
      throw new DuplicateIdempotencyKeyError(actorName, key, { cause: err });
    throw err;
  };
}
