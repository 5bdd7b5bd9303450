// Model repository: reading config.pbtxt (protobuf text format) and JSON config overrides, checking them the
// way Triton does, and finding the versions and label files of each model.
export {
  ConfigError,
  findConfigError,
  formatLocation,
  type ConfigErrorOptions,
  type ConfigLocation,
} from './config-error';
export {
  ENSEMBLE_PLATFORM,
  ONNX_BACKEND,
  ONNX_PLATFORM,
  validateModelConfig,
  type ConfigContext,
} from './config-validator';
export { parseJsonMessage } from './json-config';
export { PLAIN_OBJECT_OPTIONS, normalizeMessage } from './message-normalizer';
export { parseModelConfigJson, parseModelConfigText } from './model-config-parser';
export {
  CONFIG_FILE,
  CONFIG_OVERRIDE_SOURCE,
  DEFAULT_MODEL_FILENAME,
  isModelName,
  readModel,
  scanRepository,
  type ReadModelOptions,
  type RepositoryEntry,
  type RepositoryModel,
} from './model-repository';
export { parsePbtxt, type PbtxtParseOptions } from './pbtxt-parser';
export { parseVersionDirectory, selectServedVersions } from './version-policy';
