/**
 * Pages of rows numbered by an item index (batch-job items, experiment items): the cursor is the index to start
 * from, and the next one follows the last row of a page when a row beyond the page was fetched.
 */
import { InputError } from './errors';

/** The index a cursor names (0 without one); anything but a previous page's nextCursor is a 400. */
export function indexFromCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  if (!/^\d{1,9}$/.test(cursor)) throw new InputError("'cursor' must be the nextCursor of a previous page");
  return Number(cursor);
}

/** `rows` fetched with `limit + 1`: the page, and the cursor of the next one (null after the last row). */
export function indexPage<R extends { index: number }>(
  rows: readonly R[],
  limit: number,
): { page: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, nextCursor: rows.length > limit && last ? String(last.index + 1) : null };
}
