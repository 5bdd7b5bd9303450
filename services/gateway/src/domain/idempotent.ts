import { DuplicateIdempotencyKeyError, IdempotencyKeyReusedError, InternalError } from './errors';

/** How one kind of request is made idempotent (see `once`). */
export interface IdempotentRequest<R, T> {
  /** The caller's Idempotency-Key; undefined: no key, the work is simply done. */
  key: string | undefined;
  /** What is created: "inspection", "job", "label" (for messages). */
  what: string;
  /** The record the caller made under the key earlier, if any. */
  earlier(key: string): Promise<R | undefined>;
  /** What of this request differs from the one the earlier record was made for; empty when it is the same. */
  differences(earlier: R): string[];
  /** Client-safe facts that name the earlier record (its id), for the refusal. */
  describe(earlier: R): Record<string, unknown>;
  /**
   * Does the work and records it (under the key, when there is one). Throws DuplicateIdempotencyKeyError when
   * another request under the key committed first.
   */
  create(): Promise<T>;
  /** The answer the earlier record gives. */
  replay(earlier: R): T;
}

/**
 * One record per Idempotency-Key: the earlier record's answer when the caller already made one under the key (for
 * the same request; for another, IdempotencyKeyReusedError), else the work done once. Two requests with a new key
 * at once both get past the look-up; the record's unique index refuses the second, which then answers with the
 * first's record.
 */
export async function once<R, T>(request: IdempotentRequest<R, T>): Promise<{ value: T; replayed: boolean }> {
  const { key } = request;
  if (key === undefined) return { value: await request.create(), replayed: false };
  const found = await request.earlier(key);
  if (found !== undefined) return { value: replay(request, found), replayed: true };
  try {
    return { value: await request.create(), replayed: false };
  } catch (err) {
    if (!(err instanceof DuplicateIdempotencyKeyError)) throw err;
    const first = await request.earlier(key);
    if (first === undefined)
      throw new InternalError(`the ${request.what} recorded under this Idempotency-Key vanished`, {
        cause: err,
      });
    return { value: replay(request, first), replayed: true };
  }
}

function replay<R, T>(request: IdempotentRequest<R, T>, earlier: R): T {
  const differs = request.differences(earlier);
  if (differs.length > 0) {
    throw new IdempotencyKeyReusedError(
      `this Idempotency-Key was first used for another ${request.what} (its ${differs.join(', ')} differed); ` +
        `use a new key for a new ${request.what}`,
      { details: { ...request.describe(earlier), differs } },
    );
  }
  return request.replay(earlier);
}
