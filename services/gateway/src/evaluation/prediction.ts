/** What one evaluated item came back as, from either path (straight to Triton, or through the gateway). */
import type { Decision } from '../postprocess';

export interface Prediction {
  id: string;
  trueClass: string;
  decision: Decision;
  /** Calibrated probability per model class. */
  scores: Record<string, number>;
  /** The model's P(defect) where the path knows it; otherwise derived from `scores` by the report. */
  defectProbability?: number;
  /** The model version that answered. */
  version: string;
}

/** An item that got no decision: an HTTP error, an undecodable image, a refused measurement. */
export interface ItemFailure {
  id: string;
  trueClass: string;
  /** HTTP status (gateway path). */
  status?: number;
  code?: string;
  message: string;
}

export interface PredictionRun {
  predictions: Prediction[];
  failures: ItemFailure[];
  /** Wall-clock seconds of the inference part. */
  seconds: number;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
