/**
 * Electrical measurements: validated against the model's feature list and turned into an FP32 tensor.
 * Missing values are NaN (the model imputes them inside its graph); anything that is not a number is refused
 * with an InputError naming every offending index or name.
 */
import { InputError } from '../domain/errors';
import type { WireTensor } from '../domain/tensor';

export interface MeasurementSpec {
  /** Feature names in tensor order, when the model declares them (enables the `{name: value}` form). */
  featureNames: string[] | undefined;
  featureCount: number;
  /**
   * The largest share of missing values the model accepts (its config's `input_max_missing_fraction`); a request
   * with more is refused rather than decided on imputed values. Undefined: no limit.
   */
  maxMissingFraction?: number | undefined;
}

/**
 * Plain decimal notation as JSON writes numbers; no hex, no whitespace, no "Infinity", no empty string.
 * Unambiguous (linear time) so a long string cannot make it backtrack; strings are also capped in length.
 */
const NUMERIC_STRING = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const MAX_NUMERIC_STRING = 64;
/** Problems listed in the error message; all of them go into `details.problems` up to this many. */
const MAX_LISTED = 20;

interface Problem {
  at: string;
  problem: string;
}

/**
 * Accepts an array of `featureCount` values, or (when the model names its features) an object of
 * `{name: value}`. Values: JSON numbers or numeric strings; `null`, `NaN` or the string "NaN" mean missing.
 * @throws InputError for a wrong shape, unknown names, or any value that is not a finite FP32 number.
 */
export function validateMeasurements(input: unknown, spec: MeasurementSpec): Float32Array {
  assertSpec(spec);
  if (Array.isArray(input)) return checkMissing(fromArray(input, spec.featureCount), spec);
  if (isPlainObject(input)) {
    if (spec.featureNames === undefined) {
      throw new InputError(
        `this model does not name its features; send measurements as an array of ${spec.featureCount} numbers`,
      );
    }
    return checkMissing(fromObject(input, spec.featureNames), spec);
  }
  throw new InputError(
    `measurements must be an array of ${spec.featureCount} numbers` +
      (spec.featureNames === undefined ? '' : ' or an object of {featureName: number}') +
      `, got ${describe(input)}`,
  );
}

/** FP32 tensor of shape [featureCount] (no batch dimension: the batcher adds it), little-endian. */
export function measurementsToTensor(values: Float32Array, inputName: string): WireTensor {
  const data = Buffer.allocUnsafe(values.length * 4);
  for (let i = 0; i < values.length; i++) data.writeFloatLE(values[i] ?? Number.NaN, i * 4);
  return { name: inputName, datatype: 'FP32', shape: [values.length], data };
}

function fromArray(input: unknown[], featureCount: number): Float32Array {
  if (input.length !== featureCount) {
    throw new InputError(`expected ${featureCount} measurements, got ${input.length}`, {
      details: { expected: featureCount, received: input.length },
    });
  }
  const out = new Float32Array(featureCount);
  const problems: Problem[] = [];
  for (let i = 0; i < featureCount; i++) {
    out[i] = parseValue(input[i], `measurements[${i}]`, problems);
  }
  throwIfProblems(problems);
  return out;
}

function fromObject(input: Record<string, unknown>, featureNames: string[]): Float32Array {
  const index = new Map(featureNames.map((name, i) => [name, i]));
  const keys = Object.keys(input);
  const unknown = keys.filter((key) => !index.has(key));
  if (unknown.length > 0) {
    throw new InputError(`unknown measurement name${unknown.length > 1 ? 's' : ''}: ${list(unknown)}`, {
      details: { unknown: unknown.slice(0, MAX_LISTED), unknownCount: unknown.length },
    });
  }
  if (keys.length === 0) {
    throw new InputError('measurements object names none of the model features', {
      details: { expectedNames: featureNames.slice(0, MAX_LISTED) },
    });
  }
  const out = new Float32Array(featureNames.length).fill(Number.NaN); // absent feature = missing value
  const problems: Problem[] = [];
  for (const key of keys) {
    const i = index.get(key);
    if (i !== undefined) out[i] = parseValue(input[key], `measurements.${key}`, problems);
  }
  throwIfProblems(problems);
  return out;
}

/** One value → float, or NaN for missing; records a problem (and returns NaN) when it is not acceptable. */
function parseValue(value: unknown, at: string, problems: Problem[]): number {
  if (value === null) return Number.NaN;
  let number: number;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return Number.NaN;
    number = value;
  } else if (typeof value === 'string') {
    if (value === 'NaN') return Number.NaN;
    if (value.length > MAX_NUMERIC_STRING || !NUMERIC_STRING.test(value)) {
      problems.push({ at, problem: `is not a number (got the string ${JSON.stringify(truncate(value))})` });
      return Number.NaN;
    }
    number = Number(value);
  } else {
    problems.push({ at, problem: `is not a number (got ${describe(value)})` });
    return Number.NaN;
  }
  if (!Number.isFinite(number)) {
    problems.push({ at, problem: 'is not finite' });
  } else if (!Number.isFinite(Math.fround(number))) {
    problems.push({ at, problem: 'is outside the FP32 range' });
  }
  return number;
}

/** Refuses values with more missing entries than the model accepts (every NaN counts, sent or absent). */
function checkMissing(values: Float32Array, spec: MeasurementSpec): Float32Array {
  const limit = spec.maxMissingFraction;
  if (limit === undefined) return values;
  let missing = 0;
  for (const v of values) if (Number.isNaN(v)) missing++;
  const allowed = Math.floor(limit * values.length + 1e-9);
  if (missing > allowed) {
    throw new InputError(
      `${missing} of ${values.length} measurements are missing; this model decides on at most ${allowed} ` +
        `missing (${percent(limit)}), so it will not decide on imputed values alone`,
      { details: { missing, featureCount: values.length, maxMissing: allowed, maxMissingFraction: limit } },
    );
  }
  return values;
}

function percent(fraction: number): string {
  return `${Number((fraction * 100).toFixed(1))} %`;
}

function throwIfProblems(problems: Problem[]): void {
  if (problems.length === 0) return;
  const shown = problems.slice(0, 5).map((p) => `${p.at} ${p.problem}`);
  const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
  throw new InputError(`invalid measurements: ${shown.join('; ')}${more}`, {
    details: { problems: problems.slice(0, MAX_LISTED), problemCount: problems.length },
  });
}

function assertSpec(spec: MeasurementSpec): void {
  if (!Number.isSafeInteger(spec.featureCount) || spec.featureCount < 1) {
    throw new Error(`measurement spec: featureCount must be a positive integer, got ${spec.featureCount}`);
  }
  const limit = spec.maxMissingFraction;
  if (limit !== undefined && !(limit > 0 && limit <= 1)) {
    throw new Error(`measurement spec: maxMissingFraction must be in (0, 1], got ${limit}`);
  }
  const names = spec.featureNames;
  if (names === undefined) return;
  if (names.length !== spec.featureCount) {
    throw new Error(`measurement spec: ${names.length} feature names for ${spec.featureCount} features`);
  }
  if (new Set(names).size !== names.length) throw new Error('measurement spec: feature names are not unique');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  return typeof value === 'undefined' ? 'nothing' : `a ${typeof value}`;
}

function list(names: string[]): string {
  const shown = names.slice(0, 10).map((name) => JSON.stringify(truncate(name)));
  return shown.join(', ') + (names.length > 10 ? ` (and ${names.length - 10} more)` : '');
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
