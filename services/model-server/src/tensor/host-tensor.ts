import { InputError } from '../errors';
import type { DataTypeInfo } from './datatypes';

/**
 * A tensor held in host memory in its wire form: little-endian bytes for fixed-size types, one buffer per
 * element for BYTES. Batching concatenates and splits these without converting element by element.
 */
export interface HostTensor {
  name: string;
  type: DataTypeInfo;
  shape: number[];
  data: Buffer | Buffer[];
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function isBytesData(data: Buffer | Buffer[]): data is Buffer[] {
  return Array.isArray(data);
}

/** Byte size of a tensor as it travels in `raw_*_contents`. */
export function rawByteSize(t: HostTensor): number {
  if (isBytesData(t.data)) return t.data.reduce((sum, e) => sum + 4 + e.length, 0);
  return t.data.length;
}

/** Splits a BYTES raw buffer (each element: 4-byte little-endian length, then the bytes). */
export function parseBytesElements(raw: Buffer, inputName: string): Buffer[] {
  const out: Buffer[] = [];
  let offset = 0;
  while (offset < raw.length) {
    if (offset + 4 > raw.length) {
      throw new InputError(
        `element byte size indicator exceeds the end of the buffer for input '${inputName}'`,
      );
    }
    const len = raw.readUInt32LE(offset);
    offset += 4;
    if (offset + len > raw.length) {
      throw new InputError(
        `element byte size indicator exceeds the end of the buffer for input '${inputName}'`,
      );
    }
    out.push(raw.subarray(offset, offset + len));
    offset += len;
  }
  return out;
}

export function serializeBytesElements(elements: readonly Buffer[]): Buffer {
  const total = elements.reduce((sum, e) => sum + 4 + e.length, 0);
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const e of elements) {
    out.writeUInt32LE(e.length, offset);
    offset += 4;
    e.copy(out, offset);
    offset += e.length;
  }
  return out;
}

/** Raw wire bytes of a tensor (BYTES elements are length-prefixed). */
export function toRawBytes(t: HostTensor): Buffer {
  return isBytesData(t.data) ? serializeBytesElements(t.data) : t.data;
}

/** Concatenates tensors of the same name, type and per-item shape along the batch (first) dimension. */
export function concatBatch(parts: readonly HostTensor[]): HostTensor {
  const first = parts[0];
  if (!first) throw new Error('concatBatch needs at least one tensor');
  if (parts.length === 1) return first;
  const batch = parts.reduce((sum, p) => sum + (p.shape[0] ?? 0), 0);
  const shape = [batch, ...first.shape.slice(1)];
  if (isBytesData(first.data)) {
    const elements: Buffer[] = [];
    for (const p of parts) elements.push(...(p.data as Buffer[]));
    return { name: first.name, type: first.type, shape, data: elements };
  }
  return {
    name: first.name,
    type: first.type,
    shape,
    data: Buffer.concat(parts.map((p) => p.data as Buffer)),
  };
}

/** Rows [start, start + count) of the batch dimension; shares memory with the source where it can. */
export function sliceBatch(t: HostTensor, start: number, count: number): HostTensor {
  const perItem = elementCount(t.shape.slice(1));
  const shape = [count, ...t.shape.slice(1)];
  if (isBytesData(t.data)) {
    return {
      name: t.name,
      type: t.type,
      shape,
      data: t.data.slice(start * perItem, (start + count) * perItem),
    };
  }
  const bytesPerItem = perItem * t.type.size;
  return {
    name: t.name,
    type: t.type,
    shape,
    data: t.data.subarray(start * bytesPerItem, (start + count) * bytesPerItem),
  };
}
