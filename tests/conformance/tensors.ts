// Tensor encoding as Triton's gRPC protocol defines it: raw_input_contents / raw_output_contents hold the
// little-endian bytes of each tensor in row-major order; BOOL is one byte per element; BYTES elements are
// each a 4-byte little-endian length followed by that many bytes. Plus random inputs for the fixtures.
import type { InferOutputTensor, ModelInferResponse } from './triton-messages';

export function encodeFp32(values: readonly number[]): Buffer {
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf;
}

export function decodeFp32(buf: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 4 <= buf.length; i += 4) out.push(buf.readFloatLE(i));
  return out;
}

export function encodeInt32(values: readonly number[]): Buffer {
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buf.writeInt32LE(v, i * 4));
  return buf;
}

export function decodeInt32(buf: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 4 <= buf.length; i += 4) out.push(buf.readInt32LE(i));
  return out;
}

export function encodeInt64(values: readonly number[]): Buffer {
  const buf = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => buf.writeBigInt64LE(BigInt(v), i * 8));
  return buf;
}

export function decodeInt64(buf: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 8 <= buf.length; i += 8) out.push(Number(buf.readBigInt64LE(i)));
  return out;
}

export function encodeBool(values: readonly boolean[]): Buffer {
  return Buffer.from(values.map((v) => (v ? 1 : 0)));
}

export function decodeBool(buf: Buffer): boolean[] {
  return [...buf].map((b) => b !== 0);
}

/** BYTES: per element a uint32 little-endian length, then the bytes. */
export function encodeBytes(values: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const v of values) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(v.length, 0);
    parts.push(len, v);
  }
  return Buffer.concat(parts);
}

export function decodeBytes(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let offset = 0;
  while (offset + 4 <= buf.length) {
    const len = buf.readUInt32LE(offset);
    out.push(buf.subarray(offset + 4, offset + 4 + len));
    offset += 4 + len;
  }
  if (offset !== buf.length) throw new Error(`BYTES tensor has ${buf.length - offset} trailing bytes`);
  return out;
}

/** Random float32 values in [-range, range), already rounded to float32. */
export function randomFloats(count: number, range = 100): number[] {
  return Array.from({ length: count }, () => Math.fround((Math.random() * 2 - 1) * range));
}

export function randomInts(count: number, min: number, max: number): number[] {
  return Array.from({ length: count }, () => min + Math.floor(Math.random() * (max - min + 1)));
}

/** Random finite IEEE 754 half-precision values as raw little-endian bytes (exponent 31 excluded). */
export function randomFp16Bytes(count: number): Buffer {
  const buf = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i++) {
    const sign = Math.random() < 0.5 ? 0x8000 : 0;
    const exponent = Math.floor(Math.random() * 31) << 10;
    const mantissa = Math.floor(Math.random() * 1024);
    buf.writeUInt16LE(sign | exponent | mantissa, i * 2);
  }
  return buf;
}

/**
 * Random BYTES elements (the first one empty). Bytes are 1..255: ONNX Runtime string tensors are filled
 * from C strings, so with Triton's onnxruntime backend an element ends at its first NUL byte.
 */
export function randomBytesElements(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => {
    const len = i === 0 ? 0 : Math.floor(Math.random() * 40);
    return Buffer.from(Array.from({ length: len }, () => 1 + Math.floor(Math.random() * 255)));
  });
}

/** Output tensor and its raw bytes, by name; Triton returns every output in raw_output_contents. */
export function outputByName(
  res: ModelInferResponse,
  name: string,
): { tensor: InferOutputTensor; raw: Buffer } {
  const index = res.outputs.findIndex((o) => o.name === name);
  const tensor = res.outputs[index];
  const raw = res.raw_output_contents[index];
  if (tensor === undefined) throw new Error(`response has no output '${name}'`);
  if (raw === undefined) throw new Error(`output '${name}' has no raw_output_contents entry`);
  return { tensor, raw };
}

export function fp32Output(res: ModelInferResponse, name: string): number[] {
  return decodeFp32(outputByName(res, name).raw);
}

/** Asserts two float arrays agree to a relative tolerance (float32 arithmetic on the server). */
export function expectClose(actual: readonly number[], expected: readonly number[], relTol = 1e-6): void {
  expect(actual).toHaveLength(expected.length);
  const bad = expected.findIndex((e, i) => {
    const a = actual[i] ?? Number.NaN;
    return !(Math.abs(a - e) <= relTol * Math.max(1, Math.abs(e)));
  });
  if (bad !== -1) {
    throw new Error(`element ${bad}: expected ${expected[bad]}, got ${actual[bad]}`);
  }
}

export const add = (a: readonly number[], b: readonly number[]): number[] =>
  a.map((x, i) => Math.fround(x + (b[i] ?? Number.NaN)));
export const sub = (a: readonly number[], b: readonly number[]): number[] =>
  a.map((x, i) => Math.fround(x - (b[i] ?? Number.NaN)));
export const scale = (a: readonly number[], k: number): number[] => a.map((x) => Math.fround(x * k));
