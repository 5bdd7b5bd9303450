// Public API of routing/: the model contract (parsed from Triton's ModelConfig + ModelMetadata), its cache,
// and the modality → model router. Keys and rules: docs/model-contract.md.
export { canonicalHash, canonicalJson } from './config-hash';
export { ContractRegistry, type ContractLoader, type LoadedModelDefinition } from './contract-registry';
export {
  MODALITIES,
  SEVERITY_LEVELS,
  type AgreementRules,
  type ChannelOrder,
  type ClassScoresOutput,
  type ContractImageSpec,
  type ContractOutputs,
  type ElectricalSpec,
  type HeatmapOutput,
  type ImageLayout,
  type InputDataType,
  type JsonObject,
  type JsonValue,
  type LocalizationRules,
  type MemberOutput,
  type Modality,
  type ModelContract,
  type ModelMetadataLike,
  type OutputRef,
  type ResizeFit,
  type ResizeKernel,
  type SeverityLevel,
  type SeverityRules,
  type TensorMetadataLike,
} from './contract-types';
export { parseModelContract } from './model-contract';
export { ModelContractError, type ContractProblem } from './model-contract-error';
export {
  DEFAULT_MODELS,
  ModelRouter,
  checkContractModality,
  isModality,
  type Route,
  type RouteRequest,
} from './model-router';
