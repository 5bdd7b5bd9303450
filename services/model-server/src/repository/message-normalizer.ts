import type * as protobuf from 'protobufjs';

import { ConfigError } from './config-error';

/**
 * `toObject` options giving the @grpc/proto-loader output shape (what the generated `ModelConfig` type
 * describes): snake_case keys (from a keepCase Type), 64-bit integers as numbers, enum names, every default
 * filled in, and the virtual oneof fields naming the member that is set.
 */
export const PLAIN_OBJECT_OPTIONS: Readonly<protobuf.IConversionOptions> = Object.freeze({
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  arrays: true,
  objects: true,
});

/**
 * Round-trips an already checked plain object through the message type so that it has exactly the shape
 * above. `fromObject` is lenient (it drops unknown keys and coerces types), so callers check first.
 */
export function normalizeMessage(type: protobuf.Type, plain: Record<string, unknown>, file: string): unknown {
  try {
    return type.toObject(type.fromObject(plain), PLAIN_OBJECT_OPTIONS);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`cannot convert to ${type.name}: ${reason}`, { file }, { cause: err });
  }
}
