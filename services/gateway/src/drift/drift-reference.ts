/**
 * The reference distributions a trained model ships in its config (`drift_reference_json`, written by the
 * trainer's `trainer/common/drift.py`), read into the histograms drift monitoring compares against. The JSON is
 * passed through by the contract parser unchanged; this is the one place that gives it meaning.
 */
import type { JsonValue } from '../routing';

/** The monitored signals, named as in `gateway_drift_psi{signal}` and the drift report. */
export const DRIFT_SIGNALS = ['defect_probability', 'pixel_mean', 'pixel_std'] as const;
export type DriftSignal = (typeof DRIFT_SIGNALS)[number];

/** Where each signal's distribution lives in `drift_reference_json`. */
const REFERENCE_PATHS: Record<DriftSignal, readonly [string, string]> = {
  defect_probability: ['scores', 'defect_probability'],
  pixel_mean: ['input', 'per_image_pixel_mean'],
  pixel_std: ['input', 'per_image_pixel_std'],
};

/** Signals computed from the model's UINT8 input tensor (image models only). */
export const PIXEL_SIGNALS: readonly DriftSignal[] = ['pixel_mean', 'pixel_std'];

/** More bins than this is not a reference histogram (and would not fit the window's bin indices). */
const MAX_BINS = 1000;

export interface ReferenceDistribution {
  /** Ascending bin edges, one more than `fractions`; bins are [e_i, e_i+1), the last one closed (numpy). */
  edges: readonly number[];
  /** Fraction of the reference set in each bin. */
  fractions: readonly number[];
  /** Mean of the reference set; null when the config does not give it. */
  mean: number | null;
  /** Size of the reference set; null when the config does not give it. */
  n: number | null;
}

export interface ParsedDriftReference {
  /** The usable distributions; a model with none is not monitored. */
  signals: Partial<Record<DriftSignal, ReferenceDistribution>>;
  /** Why a distribution that the config mentions could not be used (none when it is absent altogether). */
  problems: string[];
}

type JsonRecord = { [key: string]: JsonValue };
const isRecord = (v: JsonValue | undefined): v is JsonRecord =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: JsonValue | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** Reads every signal's histogram from `drift_reference_json` (absent, or any JSON). */
export function parseDriftReference(json: JsonValue | undefined): ParsedDriftReference {
  const parsed: ParsedDriftReference = { signals: {}, problems: [] };
  if (json === undefined || json === null) return parsed;
  if (!isRecord(json)) {
    parsed.problems.push('drift_reference_json is not a JSON object');
    return parsed;
  }
  for (const signal of DRIFT_SIGNALS) {
    const [section, key] = REFERENCE_PATHS[signal];
    const parent = json[section];
    const entry = isRecord(parent) ? parent[key] : undefined;
    if (entry === undefined) continue;
    const where = `${section}.${key}`;
    const result = readDistribution(entry);
    if (typeof result === 'string') parsed.problems.push(`${where}: ${result}`);
    else parsed.signals[signal] = result;
  }
  return parsed;
}

/** A distribution, or what is wrong with it. */
function readDistribution(entry: JsonValue): ReferenceDistribution | string {
  if (!isRecord(entry)) return 'not an object';
  const histogram = entry.histogram;
  if (!isRecord(histogram)) return 'no histogram (edges and fractions)';
  const edges = numbers(histogram.edges);
  if (!edges || edges.length < 2) return 'histogram.edges must be at least two finite numbers';
  if (edges.length - 1 > MAX_BINS) return `histogram has more than ${MAX_BINS} bins`;
  for (let i = 1; i < edges.length; i++) {
    if (edges[i]! <= edges[i - 1]!) return 'histogram.edges must be strictly increasing';
  }
  const fractions = numbers(histogram.fractions);
  if (!fractions || fractions.length !== edges.length - 1) {
    return `histogram.fractions must be one finite number per bin (${edges.length - 1})`;
  }
  if (fractions.some((f) => f < 0)) return 'histogram.fractions must not be negative';
  if (fractions.reduce((a, b) => a + b, 0) <= 0) return 'histogram.fractions are all zero';
  return {
    edges,
    fractions,
    mean: finite(entry.mean) ? entry.mean : null,
    n: finite(entry.n) ? entry.n : null,
  };
}

/** The array when it holds only finite numbers. */
function numbers(v: JsonValue | undefined): number[] | undefined {
  return Array.isArray(v) && v.every(finite) ? v : undefined;
}
