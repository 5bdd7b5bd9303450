/** KServe v2 wire data types the gateway sends or reads. */
export type WireDataType = 'BOOL' | 'UINT8' | 'INT32' | 'INT64' | 'FP16' | 'FP32' | 'FP64' | 'BYTES';

/**
 * A tensor in wire form: little-endian raw bytes as they travel in `raw_input_contents` /
 * `raw_output_contents` (BYTES: 4-byte little-endian length prefix per element).
 */
export interface WireTensor {
  name: string;
  datatype: WireDataType;
  shape: number[];
  data: Buffer;
}

export const BYTES_PER_ELEMENT: Record<WireDataType, number> = {
  BOOL: 1,
  UINT8: 1,
  INT32: 4,
  INT64: 8,
  FP16: 2,
  FP32: 4,
  FP64: 8,
  BYTES: 0,
};

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** Reads an FP32 tensor's values. */
export function readFloat32(t: WireTensor): Float32Array {
  if (t.datatype !== 'FP32') throw new Error(`tensor '${t.name}' is ${t.datatype}, expected FP32`);
  const out = new Float32Array(t.data.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = t.data.readFloatLE(i * 4);
  return out;
}
