/**
 * parseModelContract: reads a model's Triton config (and, when given, its ModelMetadata) and derives the
 * typed ModelContract the gateway preprocesses, batches and decides by. The model config is the single
 * source of truth: nothing about a model is hard-coded. Every problem is collected and reported at once in
 * a ModelContractError naming the model and each key at fault. Keys and rules: docs/model-contract.md.
 */
import type { ModelConfig } from '@defect-gateway/proto';
import { canonicalHash, sha256Hex } from './config-hash';
import {
  checkMetadata,
  parseElectricalSpec,
  parseImageSpec,
  parseInput,
  parseMinPixelStd,
  parseMinSourceSide,
  parseModality,
  type ContractInput,
} from './contract-input';
import { parseCalibration, parseClasses, parseOutputs } from './contract-outputs';
import { ContractParameters } from './contract-parameters';
import {
  parseAgreement,
  parseAnomalyReview,
  parseLocalization,
  parseSeverity,
  parseThresholds,
} from './contract-rules';
import type {
  ContractImageSpec,
  ContractOutputs,
  ElectricalSpec,
  JsonObject,
  Modality,
  ModelContract,
  ModelMetadataLike,
} from './contract-types';
import {
  ContractProblemError,
  ModelContractError,
  problem,
  type ContractProblem,
} from './model-contract-error';

export function parseModelContract(
  config: ModelConfig,
  metadata?: ModelMetadataLike,
  version?: string,
): ModelContract {
  const problems: ContractProblem[] = [];
  const section = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof ContractProblemError)) throw err;
      problems.push({ key: err.key, message: err.message });
      return undefined;
    }
  };
  const model = typeof config.name === 'string' && config.name.length > 0 ? config.name : '(unnamed)';
  if (model === '(unnamed)') problems.push({ key: 'name', message: 'the config has no model name' });
  const maxBatchSize = Number(config.max_batch_size ?? 0);
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 0) {
    problems.push({ key: 'max_batch_size', message: `must be an integer ≥ 0, got ${config.max_batch_size}` });
  }
  const params = ContractParameters.fromConfig(config);

  const modality = section(() => parseModality(params));
  const input = section(() => parseInput(config, params));
  let image: ContractImageSpec | undefined;
  let electrical: ElectricalSpec | undefined;
  if (modality !== undefined && input !== undefined) {
    if (modality === 'electrical') electrical = section(() => parseElectricalSpec(params, input));
    else image = section(() => parseImageSpec(params, input));
  }
  const classes = section(() => parseClasses(params));
  const calibration = section(() => parseCalibration(params));
  const outputs =
    classes && calibration ? section(() => parseOutputs(config, params, classes, calibration)) : undefined;
  if (outputs?.heatmap !== undefined && modality === 'electrical') {
    problems.push({ key: 'outputs_json.heatmap', message: 'electrical models have no image to localize on' });
  }
  const thresholds = classes ? section(() => parseThresholds(params, classes.defectClasses)) : undefined;
  const severity =
    classes && outputs ? section(() => parseSeverity(params, classes.defectClasses, outputs)) : undefined;
  const localization = outputs ? section(() => parseLocalization(params, outputs)) : undefined;
  const agreement =
    outputs && thresholds
      ? section(() => parseAgreement(params, outputs, thresholds.failThreshold))
      : undefined;
  const anomalyReviewThreshold = outputs ? section(() => parseAnomalyReview(params, outputs)) : undefined;
  const minPixelStd = section(() => parseMinPixelStd(params, modality));
  const minSourceSide = section(() => parseMinSourceSide(params, modality));
  const decisionRule = section(() => params.raw('decision_rule'));
  const trainingManifestSha256 = section(() => parseManifestHash(params));
  const trainingScope = section(() => params.raw('training_scope')?.trim() || undefined);
  const driftReference = section(() => params.json('drift_reference_json'));
  const normalizationNote = section(() => params.raw('normalization'));
  if (metadata !== undefined && input !== undefined && outputs !== undefined) {
    section(() => checkMetadata(metadata, maxBatchSize, tensorsOf(input, outputs)));
  }

  if (problems.length > 0) throw new ModelContractError(model, problems);
  if (!modality || !input || !classes || !calibration || !outputs || !thresholds || !severity) {
    throw new Error(`model '${model}': contract sections missing without a recorded problem`);
  }

  const contract: ModelContract = {
    model,
    platform: String(config.platform ?? ''),
    modality,
    maxBatchSize,
    input,
    outputs,
    classes: classes.classes,
    defectClasses: classes.defectClasses,
    calibration,
    thresholds: thresholds.thresholds,
    classThresholdsEscalate: thresholds.classThresholdsEscalate,
    reviewThreshold: thresholds.reviewThreshold,
    failThreshold: thresholds.failThreshold,
    severity,
    configHash: canonicalHash(config),
    preprocessingSpec: preprocessingSpec(modality, input, image, electrical, normalizationNote),
  };
  if (version !== undefined) contract.version = version;
  if (image !== undefined) contract.image = image;
  if (electrical !== undefined) contract.electrical = electrical;
  if (classes.goodClass !== undefined) contract.goodClass = classes.goodClass;
  if (localization !== undefined) contract.localization = localization;
  if (agreement !== undefined) contract.agreement = agreement;
  if (anomalyReviewThreshold !== undefined) contract.anomalyReviewThreshold = anomalyReviewThreshold;
  if (minPixelStd !== undefined) contract.minPixelStd = minPixelStd;
  if (minSourceSide !== undefined) contract.minSourceSide = minSourceSide;
  if (decisionRule !== undefined) contract.decisionRule = decisionRule;
  if (trainingManifestSha256 !== undefined) contract.trainingManifestSha256 = trainingManifestSha256;
  if (trainingScope !== undefined) contract.trainingScope = trainingScope;
  if (driftReference !== undefined) contract.driftReference = driftReference;
  return contract;
}

function parseManifestHash(params: ContractParameters): string | undefined {
  const value = params.raw('training_manifest_sha256')?.trim();
  if (value !== undefined && !/^[0-9a-f]{64}$/.test(value)) {
    problem('training_manifest_sha256', `must be 64 lower-case hex digits, got ${JSON.stringify(value)}`);
  }
  return value;
}

function tensorsOf(input: ContractInput, outputs: ContractOutputs) {
  const refs = [
    outputs.classScores,
    outputs.defectProbability,
    outputs.heatmap,
    outputs.anomalyScore,
    ...(outputs.members ?? []),
  ];
  return [
    { role: 'input', name: input.name, datatype: input.datatype, dims: input.dims },
    ...refs.flatMap((r) =>
      r === undefined ? [] : [{ role: 'output', name: r.name, datatype: 'FP32', dims: r.dims }],
    ),
  ];
}

/** What the gateway does to a request before inference, as plain JSON for the audit trail. */
function preprocessingSpec(
  modality: Modality,
  input: ContractInput,
  image: ContractImageSpec | undefined,
  electrical: ElectricalSpec | undefined,
  normalizationNote: string | undefined,
): JsonObject {
  const spec: JsonObject = {
    modality,
    input: { name: input.name, datatype: input.datatype, dims: input.dims },
  };
  if (image !== undefined) {
    const { normalization, ...rest } = image;
    const described: JsonObject = { ...rest };
    if (normalization !== undefined)
      described.normalization = { mean: normalization.mean, std: normalization.std };
    if (normalizationNote !== undefined) described.modelNormalization = normalizationNote;
    spec.image = described;
  }
  if (electrical !== undefined) {
    const described: JsonObject = { featureCount: electrical.featureCount, missingValue: 'NaN' };
    if (electrical.featureNames !== undefined) {
      described.featureNamesSha256 = sha256Hex(JSON.stringify(electrical.featureNames));
    }
    if (electrical.maxMissingFraction !== undefined) {
      described.maxMissingFraction = electrical.maxMissingFraction;
    }
    spec.electrical = described;
  }
  return spec;
}
