/**
 * Query-string readers shared by the list routes: one trimmed value, a comma-separated (or repeated) list of known
 * values, a time window and a bounded page size.
 */
import type { Request, Response } from 'express';
import { InputError } from '../domain/errors';
import type { Decision } from '../postprocess/decision-types';
import type { InspectionFilter } from '../records/inspection-query';

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

/** `?decision=fail,review` (or repeated): the listed values, each checked against `allowed`; undefined when absent. */
export function queryList<T extends string>(
  req: Request,
  name: string,
  allowed: readonly T[],
): T[] | undefined {
  const raw = req.query[name];
  if (raw === undefined) return undefined;
  const given: unknown[] = Array.isArray(raw) ? raw : [raw];
  // Anything but a string (`?decision[a]=…` parses to an object) is reported as given.
  const values = given.flatMap((v): unknown[] =>
    typeof v === 'string' ? v.split(',').map((part) => part.trim()) : [v],
  );
  const bad = values.filter((v) => !allowed.includes(v as T));
  if (bad.length > 0 || values.length === 0) {
    throw new InputError(`'${name}' must be one or more of ${allowed.join(', ')} (comma-separated)`, {
      details: { [name]: bad.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) },
    });
  }
  return [...new Set(values as T[])];
}

/** `from` and `to`, each given at most once (the stores check they are timestamps). */
export function queryWindow(req: Request): { from?: string; to?: string } {
  const from = queryText(req, 'from');
  const to = queryText(req, 'to');
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

/**
 * The inspection filters of the list routes: `station`, `lot`, `model`, `from`, `to`, and `decision` among
 * `decisions` (`fallback` when absent).
 */
export function queryInspectionFilter<D extends Decision>(
  req: Request,
  decisions: readonly D[],
  fallback?: D[],
): InspectionFilter & { decisions?: D[] } {
  const filter: InspectionFilter & { decisions?: D[] } = { ...queryWindow(req) };
  const chosen = queryList(req, 'decision', decisions) ?? fallback;
  if (chosen !== undefined) filter.decisions = chosen;
  for (const [param, key] of [
    ['station', 'stationId'],
    ['lot', 'lotId'],
    ['part', 'partId'],
    ['model', 'model'],
  ] as const) {
    const value = queryText(req, param);
    if (value !== undefined) filter[key] = value;
  }
  return filter;
}

/** Streams CSV chunks as a download, waiting for the socket to drain so a large export stays in bounded memory. */
export async function sendCsv(res: Response, filename: string, chunks: AsyncIterable<string>): Promise<void> {
  res.status(200).type('text/csv; charset=utf-8').attachment(filename);
  for await (const chunk of chunks) {
    if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
}
