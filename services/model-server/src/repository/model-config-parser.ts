import { modelConfigType, type ModelConfig } from '@defect-gateway/proto';

import { parseJsonMessage } from './json-config';
import { parsePbtxt } from './pbtxt-parser';

/**
 * Parses a config.pbtxt into the plain ModelConfig shape (the gRPC loader's output shape). Syntax and schema
 * errors only; the rules of a valid model configuration are `validateModelConfig`'s job.
 */
export function parseModelConfigText(text: string, file = 'config.pbtxt'): ModelConfig {
  // The parser walks inference.ModelConfig, so the normalized object has the generated type's shape.
  return parsePbtxt(text, modelConfigType(), { file }) as ModelConfig;
}

/** Parses the JSON form of a ModelConfig, as carried by RepositoryModelLoad's `config` parameter. */
export function parseModelConfigJson(json: string, file = 'config override'): ModelConfig {
  return parseJsonMessage(json, modelConfigType(), file) as ModelConfig;
}
