import * as protobuf from 'protobufjs';

import type { ModelConfig__Output } from './generated/inference/ModelConfig';
import { LOADER_OPTIONS, protoPath } from './proto-files';

/**
 * Options for `Type.toObject` that yield the same object shape as the gRPC loader (and so the generated
 * `ModelConfig` type): numbers for 64-bit integers, enum names, defaults and virtual oneof fields.
 */
export const TO_OBJECT_OPTIONS: Readonly<protobuf.IConversionOptions> = Object.freeze({
  longs: LOADER_OPTIONS.longs,
  enums: LOADER_OPTIONS.enums,
  defaults: LOADER_OPTIONS.defaults,
  oneofs: LOADER_OPTIONS.oneofs,
  arrays: true,
  objects: true,
});

let cachedRoot: protobuf.Root | undefined;

/**
 * A protobufjs Root holding model_config.proto, parsed with keepCase so that field names stay snake_case as
 * in config.pbtxt. Parsed once per process.
 */
export function loadModelConfigRoot(): protobuf.Root {
  if (cachedRoot === undefined) {
    cachedRoot = new protobuf.Root().loadSync(protoPath('model_config.proto'), {
      keepCase: LOADER_OPTIONS.keepCase,
    });
  }
  return cachedRoot;
}

/** The protobufjs Type of `inference.ModelConfig`, for `fromObject`, `verify`, `encode` and `decode`. */
export function modelConfigType(): protobuf.Type {
  return loadModelConfigRoot().lookupType('inference.ModelConfig');
}

/** Converts a decoded ModelConfig message to the plain object the rest of the code works with. */
export function modelConfigToObject(message: protobuf.Message): ModelConfig__Output {
  return modelConfigType().toObject(message, TO_OBJECT_OPTIONS) as ModelConfig__Output;
}
