/**
 * Typed reading of a Triton config's `parameters` map (every value is a string; keys ending in `_json` hold
 * JSON) and of the JSON values inside it. Every failure throws a ContractProblemError naming the key or the
 * JSON path (`severity_rules_json.per_class.Crack`), so the contract parser can list them all.
 */
import type { ModelConfig } from '@defect-gateway/proto';
import type { JsonObject, JsonValue } from './contract-types';
import { problem } from './model-contract-error';

export interface NumberRange {
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  above?: number;
  integer?: boolean;
}

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(JSON.stringify(v)));

export function checkNumber(value: unknown, key: string, range: NumberRange = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    problem(key, `must be a finite number, got ${show(value)}`);
  if (range.integer === true && !Number.isInteger(value)) problem(key, `must be an integer, got ${value}`);
  if (range.min !== undefined && value < range.min) problem(key, `must be ≥ ${range.min}, got ${value}`);
  if (range.max !== undefined && value > range.max) problem(key, `must be ≤ ${range.max}, got ${value}`);
  if (range.above !== undefined && value <= range.above)
    problem(key, `must be > ${range.above}, got ${value}`);
  return value;
}

export function checkString(value: unknown, key: string): string {
  if (typeof value !== 'string' || value.length === 0)
    problem(key, `must be a non-empty string, got ${show(value)}`);
  return value;
}

export function checkOneOf<T extends string>(value: unknown, key: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    problem(key, `must be one of ${allowed.join(', ')}, got ${show(value)}`);
  }
  return value as T;
}

export function checkObject(value: unknown, key: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problem(key, `must be a JSON object, got ${show(value)}`);
  }
  return value as JsonObject;
}

/** A list of distinct non-empty strings. */
export function checkStringList(value: unknown, key: string, options: { nonEmpty?: boolean } = {}): string[] {
  if (!Array.isArray(value)) problem(key, `must be a JSON list of strings, got ${show(value)}`);
  if (options.nonEmpty === true && value.length === 0) problem(key, 'must not be empty');
  const seen = new Set<string>();
  return value.map((item, i) => {
    const s = checkString(item, `${key}[${i}]`);
    if (seen.has(s)) problem(key, `lists ${show(s)} twice`);
    seen.add(s);
    return s;
  });
}

/** Keys of a JSON object that are not in `known`. */
export function unknownKeys(obj: JsonObject, known: readonly string[]): string[] {
  return Object.keys(obj).filter((k) => !known.includes(k));
}

/** The `parameters` map of a config as plain strings. */
export class ContractParameters {
  private readonly values: ReadonlyMap<string, string>;

  constructor(values: Record<string, string>) {
    this.values = new Map(Object.entries(values));
  }

  static fromConfig(config: ModelConfig): ContractParameters {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(config.parameters ?? {})) {
      out[key] = typeof value?.string_value === 'string' ? value.string_value : '';
    }
    return new ContractParameters(out);
  }

  /** The parameters as a plain record (for parsers that take one, e.g. preprocess's image spec). */
  toRecord(): Record<string, string> {
    return Object.fromEntries(this.values);
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  /** The raw string, or undefined when the key is absent. An empty value is a problem. */
  raw(key: string): string | undefined {
    const value = this.values.get(key);
    if (value === undefined) return undefined;
    if (value.trim().length === 0) problem(key, 'is empty');
    return value;
  }

  required(key: string): string {
    const value = this.raw(key);
    if (value === undefined) problem(key, 'is required but missing');
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const value = this.raw(key);
    return value === undefined ? undefined : checkOneOf(value.trim(), key, allowed);
  }

  number(key: string, range: NumberRange = {}): number | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    const n = Number(value.trim());
    if (!Number.isFinite(n)) problem(key, `must be a number, got ${show(value)}`);
    return checkNumber(n, key, range);
  }

  requiredNumber(key: string, range: NumberRange = {}): number {
    const n = this.number(key, range);
    if (n === undefined) problem(key, 'is required but missing');
    return n;
  }

  /** `true` or `false` (lower case, as the trainer writes them). */
  boolean(key: string): boolean | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    const v = value.trim();
    if (v !== 'true' && v !== 'false') problem(key, `must be true or false, got ${show(value)}`);
    return v === 'true';
  }

  json(key: string): JsonValue | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value) as JsonValue;
    } catch (err) {
      return problem(key, `is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
  }

  jsonObject(key: string): JsonObject | undefined {
    const value = this.json(key);
    return value === undefined ? undefined : checkObject(value, key);
  }
}
