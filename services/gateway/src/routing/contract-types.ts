/**
 * The typed model contract: everything the gateway needs to preprocess a request for a model, read its
 * outputs and turn them into a decision, derived from the model's Triton config (`parameters` map) and
 * metadata by `parseModelContract`. The keys, defaults and rules are specified in docs/model-contract.md.
 */

import type { ImageSpec } from '../preprocess/image-spec';

export type Modality = 'visual' | 'thermal' | 'electrical';
export const MODALITIES: readonly Modality[] = Object.freeze(['visual', 'thermal', 'electrical']);

export type SeverityLevel = 'minor' | 'major' | 'critical';
/** Severity levels in ascending order; escalation moves one step to the right, capped at `critical`. */
export const SEVERITY_LEVELS: readonly SeverityLevel[] = Object.freeze(['minor', 'major', 'critical']);

export type InputDataType = 'UINT8' | 'FP32';
export type {
  ChannelOrder,
  ResizeFit,
  ResizeKernel,
  TensorLayout as ImageLayout,
} from '../preprocess/image-spec';

/**
 * How to turn an image into the model's input tensor: exactly preprocess's `ImageSpec`, built by its
 * `imageSpecFromParameters` from the same parameters, so the contract's `image` goes to the sharp adapter
 * as it is.
 */
export type ContractImageSpec = ImageSpec;

export interface ElectricalSpec {
  featureCount: number;
  /** Names in input order; present when the config names the features (a list or an `f{index}` pattern). */
  featureNames?: string[];
  /** `input_max_missing_fraction`: the largest share of missing values a request may carry (absent: no limit). */
  maxMissingFraction?: number;
}

export interface OutputRef {
  name: string;
  /** Config dims without the batch dimension. */
  dims: number[];
  /** Elements per item (product of dims). */
  size: number;
}

export interface ClassScoresOutput extends OutputRef {
  /** `probabilities`: calibrated in the graph; `logits`: the gateway applies softmax(logits / T). */
  holds: 'probabilities' | 'logits';
}

export interface HeatmapOutput extends OutputRef {
  height: number;
  width: number;
}

export interface MemberOutput extends OutputRef {
  /** `[C]`: the member's calibrated class probabilities; `[1]`: the member's defect probability. */
  holds: 'class_probabilities' | 'defect_probability';
}

export interface ContractOutputs {
  classScores: ClassScoresOutput;
  defectProbability?: OutputRef;
  heatmap?: HeatmapOutput;
  members?: MemberOutput[];
  anomalyScore?: OutputRef;
}

export interface SeverityRules {
  perClass: Record<string, SeverityLevel>;
  /** Level of a defect class that `perClass` does not list. */
  defaultLevel: SeverityLevel;
  /** +1 level when the defect's class probability is at least this. */
  escalateIfProbabilityAtLeast?: number;
  /** +1 level when the heatmap area fraction is at least this (models with a heatmap only). */
  escalateIfAreaFractionAtLeast?: number;
  /** `critical` when the item's defect probability is at least this. */
  criticalIfDefectProbabilityAtLeast?: number;
}

export interface LocalizationRules {
  /** A heatmap cell is "hot" when its value is ≥ this. */
  threshold: number;
  /** A `fail` whose hot-cell fraction is below this is downgraded to `review` (0 = off). */
  minAreaFraction: number;
}

export interface AgreementRules {
  /** A `fail` needs at least this many members whose defect probability is ≥ `threshold`. */
  minMembers: number;
  threshold: number;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface ModelContract {
  model: string;
  /** The version the contract was read from, when known. */
  version?: string;
  platform: string;
  modality: Modality;
  /** 0: the model takes no batch dimension. */
  maxBatchSize: number;
  input: { name: string; datatype: InputDataType; dims: number[] };
  image?: ContractImageSpec;
  electrical?: ElectricalSpec;
  outputs: ContractOutputs;
  classes: string[];
  goodClass?: string;
  defectClasses: string[];
  /** `temperature` is applied by the gateway only when `inGraph` is false (otherwise informational). */
  calibration: { inGraph: boolean; temperature: number };
  /** Reporting threshold of every defect class (classes without one in the config get `failThreshold`). */
  thresholds: Record<string, number>;
  /** When true, a `pass` with a defect class at or above its threshold becomes `review`. */
  classThresholdsEscalate: boolean;
  reviewThreshold: number;
  failThreshold: number;
  severity: SeverityRules;
  localization?: LocalizationRules;
  agreement?: AgreementRules;
  /** A `pass` whose anomaly score is ≥ this becomes `review` (needs an `anomaly_score` output). */
  anomalyReviewThreshold?: number;
  /**
   * Image models: `input_min_pixel_std`. An image whose model input (after decoding and resizing) has a smaller
   * pixel standard deviation is refused as blank instead of decided.
   */
  minPixelStd?: number;
  /** Image models: `input_min_source_side`. An image whose shorter side is smaller (in source pixels) is refused. */
  minSourceSide?: number;
  /** The trainer's rule in words, for the audit trail. */
  decisionRule?: string;
  trainingManifestSha256?: string;
  /**
   * `training_scope`: which images the model trained on, in the trainer's words; `all development images` means
   * no development image is held out of it (so figures on them are in-sample).
   */
  trainingScope?: string;
  /** Reference distributions for drift monitoring, passed through unchanged. */
  driftReference?: JsonValue;
  /** SHA-256 (hex) of the canonical JSON of the whole ModelConfig. */
  configHash: string;
  /** Plain description of the preprocessing, for the audit trail. */
  preprocessingSpec: JsonObject;
}

/** Tensor description as returned by KServe v2 `ModelMetadata` (shape includes the batch dimension). */
export interface TensorMetadataLike {
  name: string;
  datatype: string;
  shape: readonly number[];
}

export interface ModelMetadataLike {
  inputs: readonly TensorMetadataLike[];
  outputs: readonly TensorMetadataLike[];
}
