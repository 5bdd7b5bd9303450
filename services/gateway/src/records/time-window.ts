/** The `[from, to)` time window of the record queries: checked once, and the same SQL condition everywhere. */
import { InputError } from '../domain/errors';

export interface TimeWindow {
  /** ISO 8601; inclusive. */
  from?: string;
  /** ISO 8601; exclusive. */
  to?: string;
}

/** Refuses a bound that is not a timestamp (400), naming it. */
export function checkWindow(window: TimeWindow): void {
  for (const name of ['from', 'to'] as const) {
    const value = window[name];
    if (value !== undefined && Number.isNaN(Date.parse(value)))
      throw new InputError(`'${name}' must be an ISO 8601 timestamp`);
  }
}

/** `n.created_at` within the window whose bounds are the statement's parameters `$from` and `$to` (null: open). */
export function createdWithin(from: number, to: number): string {
  return `($${from}::timestamptz IS NULL OR n.created_at >= $${from})
    AND ($${to}::timestamptz IS NULL OR n.created_at < $${to})`;
}
