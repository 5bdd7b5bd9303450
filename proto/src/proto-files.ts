import * as path from 'node:path';

/**
 * Folder holding the .proto files. This module compiles to `dist/` and runs from `src/` under jest; both sit
 * one level below the package root, which is where the .proto files are (and what `"files"` publishes).
 */
export const PROTO_DIR: string = path.resolve(__dirname, '..');

/** The protocol files, relative to PROTO_DIR: the KServe v2 service, the model config schema, gRPC health. */
export const PROTO_FILES = ['grpc_service.proto', 'model_config.proto', 'health.proto'] as const;

export type ProtoFile = (typeof PROTO_FILES)[number];

/** Absolute path of one of the protocol files. */
export function protoPath(file: ProtoFile): string {
  return path.join(PROTO_DIR, file);
}

/**
 * How messages are turned into JS objects: snake_case field names as in the .proto, 64-bit integers as
 * numbers, enums as their names, defaults filled in and a virtual field naming the member set in each oneof.
 * These must match the flags of `npm run gen:types`, or the generated types would describe other objects.
 */
export const LOADER_OPTIONS = Object.freeze({
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
});
