import type { Decision, DefectReport } from '../postprocess';

/** The response of `POST /v1/inspections` (field names are part of the public API). */
export interface InspectionResult {
  inspectionId: string;
  requestId: string;
  decision: Decision;
  defects: DefectReport[];
  scores: Record<string, number>;
  model: { name: string; version: string };
  modality: string;
  stationId: string;
  lotId: string | null;
  partId: string | null;
  receivedAt: string;
  timings: {
    decodeMs: number;
    preprocessMs: number;
    queueMs: number;
    inferMs: number;
    postprocessMs: number;
    /** Storing the input and writing decision + audit + events (present when records are kept). */
    recordMs?: number;
    totalMs: number;
  };
  batchSize: number;
  /**
   * Only when asked for (`heatmap=true`): the model's localization heatmap as a greyscale PNG data URL, one pixel
   * per cell (value × 255), covering the model input (map it to the source image as `region` is: the contract's
   * resize); null when the model has no heatmap.
   */
  heatmap?: { width: number; height: number; threshold: number | null; png: string } | null;
}
