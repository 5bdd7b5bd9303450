/** Query-string readers shared by the list routes: one trimmed value per name, and a bounded page size. */
import type { Request } from 'express';
import { InputError } from '../domain/errors';

/** The single non-empty value of `name` (at most 200 characters), or undefined when absent. */
export function queryText(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.trim() === '' || v.length > 200)
    throw new InputError(`'${name}' must be one non-empty value`);
  return v.trim();
}

/** `limit`: an integer from 1 to `max`, `fallback` when absent. */
export function queryLimit(req: Request, fallback: number, max: number): number {
  const text = queryText(req, 'limit');
  const limit = text === undefined ? fallback : /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(limit >= 1 && limit <= max)) throw new InputError(`'limit' must be an integer from 1 to ${max}`);
  return limit;
}
