import { InputError } from '../errors';
import { messages } from '../messages';
import type { ContentsField, DataTypeInfo } from './datatypes';

/** KServe v2 `InferTensorContents`: one repeated field per family of types. */
export interface TypedContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: Array<number | string>;
  uint_contents?: number[];
  uint64_contents?: Array<number | string>;
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Buffer[];
}

/** The wire type each typed-contents field stands for, as Triton names it in errors. */
const FIELD_TYPE: Record<ContentsField, string> = {
  bool_contents: 'BOOL',
  int_contents: 'INT32',
  int64_contents: 'INT64',
  uint_contents: 'UINT32',
  uint64_contents: 'UINT64',
  fp32_contents: 'FP32',
  fp64_contents: 'FP64',
  bytes_contents: 'BYTES',
};

/** The typed-contents fields that hold at least one value. */
export function presentContentsFields(contents: TypedContents | null | undefined): ContentsField[] {
  if (!contents) return [];
  return (Object.keys(FIELD_TYPE) as ContentsField[]).filter((f) => (contents[f]?.length ?? 0) > 0);
}

/** Converts typed contents into the wire form (little-endian bytes, or one buffer per BYTES element). */
export function contentsToData(
  type: DataTypeInfo,
  contents: TypedContents,
  inputName: string,
  model: string,
): Buffer | Buffer[] {
  for (const field of presentContentsFields(contents)) {
    if (field !== type.contents) {
      throw new InputError(messages.contentsType(inputName, model, FIELD_TYPE[field], type.wire));
    }
  }
  if (type.contents === undefined) return Buffer.alloc(0);
  const values = contents[type.contents] ?? [];
  if (type.wire === 'BYTES') return (values as Buffer[]).map((v) => Buffer.from(v));
  const buf = Buffer.allocUnsafe(values.length * type.size);
  values.forEach((v, i) => writeElement(buf, type, i * type.size, v as number | string | boolean));
  return buf;
}

function writeElement(buf: Buffer, type: DataTypeInfo, offset: number, v: number | string | boolean): void {
  switch (type.wire) {
    case 'BOOL':
      buf.writeUInt8(v ? 1 : 0, offset);
      return;
    case 'UINT8':
      buf.writeUInt8(Number(v) & 0xff, offset);
      return;
    case 'UINT16':
      buf.writeUInt16LE(Number(v) & 0xffff, offset);
      return;
    case 'UINT32':
      buf.writeUInt32LE(Number(v) >>> 0, offset);
      return;
    case 'UINT64':
      buf.writeBigUInt64LE(BigInt(v), offset);
      return;
    case 'INT8':
      buf.writeInt8(((Number(v) << 24) >> 24) | 0, offset);
      return;
    case 'INT16':
      buf.writeInt16LE(((Number(v) << 16) >> 16) | 0, offset);
      return;
    case 'INT32':
      buf.writeInt32LE(Number(v) | 0, offset);
      return;
    case 'INT64':
      buf.writeBigInt64LE(BigInt(v), offset);
      return;
    case 'FP32':
      buf.writeFloatLE(Number(v), offset);
      return;
    case 'FP64':
      buf.writeDoubleLE(Number(v), offset);
      return;
    case 'FP16':
    case 'BYTES':
      throw new Error(`no typed contents for ${type.wire}`);
  }
}
