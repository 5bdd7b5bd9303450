/**
 * Electrical measurements as a station sends them in `POST /v1/inspections`: an object `{featureName: value}`
 * or an array in feature order, `null` for a missing value (JSON has no NaN). The direct evaluation passes the
 * same payload through the gateway's own validation, so both paths build the identical tensor.
 */

export type MeasurementForm = 'object' | 'array';
export type MeasurementPayload = Record<string, number | null> | (number | null)[];

export interface FeaturePlan {
  form: MeasurementForm;
  /** Object form: the names to send (dataset column names the model expects). */
  names?: string[];
}

export class FeatureMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureMismatchError';
  }
}

/**
 * How to send a dataset's features to a model that expects `featureCount` values, named `modelNames` when the
 * model names them: by name when it does (every model name must be a dataset column; extra columns are not
 * sent), by position otherwise (the counts must agree). Throws a FeatureMismatchError saying what differs.
 */
export function planFeatures(
  datasetNames: readonly string[],
  featureCount: number,
  modelNames: readonly string[] | undefined,
): FeaturePlan {
  if (modelNames === undefined) {
    if (datasetNames.length !== featureCount) {
      throw new FeatureMismatchError(
        `the model takes ${featureCount} unnamed measurements, the dataset has ${datasetNames.length} feature columns`,
      );
    }
    return { form: 'array' };
  }
  const available = new Set(datasetNames);
  const missing = modelNames.filter((n) => !available.has(n));
  if (missing.length > 0) {
    const common = modelNames.length - missing.length;
    throw new FeatureMismatchError(
      `the model's ${modelNames.length} features [${preview(modelNames)}] are not all dataset columns ` +
        `[${preview(datasetNames)}]: ${missing.length} missing (${preview(missing)}), ${common} in common`,
    );
  }
  return { form: 'object', names: [...modelNames] };
}

/** The payload for one item's `values` (in `datasetNames` order). */
export function measurementPayload(
  values: readonly number[],
  datasetNames: readonly string[],
  plan: FeaturePlan,
): MeasurementPayload {
  const wire = (v: number | undefined): number | null => (v === undefined || Number.isNaN(v) ? null : v);
  if (plan.form === 'array') return values.map(wire);
  const index = new Map(datasetNames.map((n, i) => [n, i]));
  const out: Record<string, number | null> = {};
  for (const name of plan.names ?? datasetNames) out[name] = wire(values[index.get(name) ?? -1]);
  return out;
}

function preview(names: readonly string[]): string {
  return names.length <= 4 ? names.join(', ') : `${names.slice(0, 3).join(', ')}, … ${names.at(-1)}`;
}
