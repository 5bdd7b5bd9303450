import type { Request } from 'express';
import { InputError } from '../domain/errors';

/** Set on an answer that repeats what an earlier request with the same Idempotency-Key was answered. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/**
 * The `Idempotency-Key` header: 1 to 255 visible ASCII characters (a UUID per attempted inspection or job, say);
 * undefined when absent. Checked before the body is read.
 */
export function idempotencyKeyOf(req: Request): string | undefined {
  const value = req.headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(value)) {
    throw new InputError('Idempotency-Key must be 1 to 255 visible ASCII characters (no spaces)', {
      details: { header: 'Idempotency-Key' },
    });
  }
  return value;
}
