import { InputError } from '../errors';

/** Data types as they travel on the wire (KServe v2 names). */
export type WireDataType =
  | 'BOOL'
  | 'UINT8'
  | 'UINT16'
  | 'UINT32'
  | 'UINT64'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP16'
  | 'FP32'
  | 'FP64'
  | 'BYTES';

/** ONNX Runtime's tensor type names for the wire types it can run. */
export type OrtTypeName =
  | 'bool'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float16'
  | 'float32'
  | 'float64'
  | 'string';

/** Which `InferTensorContents` field carries a type when sent typed instead of raw. */
export type ContentsField =
  | 'bool_contents'
  | 'int_contents'
  | 'int64_contents'
  | 'uint_contents'
  | 'uint64_contents'
  | 'fp32_contents'
  | 'fp64_contents'
  | 'bytes_contents';

export interface DataTypeInfo {
  wire: WireDataType;
  config: string;
  ort: OrtTypeName;
  /** Bytes per element; 0 for BYTES (variable length). */
  size: number;
  contents: ContentsField | undefined;
}

const TABLE: DataTypeInfo[] = [
  { wire: 'BOOL', config: 'TYPE_BOOL', ort: 'bool', size: 1, contents: 'bool_contents' },
  { wire: 'UINT8', config: 'TYPE_UINT8', ort: 'uint8', size: 1, contents: 'uint_contents' },
  { wire: 'UINT16', config: 'TYPE_UINT16', ort: 'uint16', size: 2, contents: 'uint_contents' },
  { wire: 'UINT32', config: 'TYPE_UINT32', ort: 'uint32', size: 4, contents: 'uint_contents' },
  { wire: 'UINT64', config: 'TYPE_UINT64', ort: 'uint64', size: 8, contents: 'uint64_contents' },
  { wire: 'INT8', config: 'TYPE_INT8', ort: 'int8', size: 1, contents: 'int_contents' },
  { wire: 'INT16', config: 'TYPE_INT16', ort: 'int16', size: 2, contents: 'int_contents' },
  { wire: 'INT32', config: 'TYPE_INT32', ort: 'int32', size: 4, contents: 'int_contents' },
  { wire: 'INT64', config: 'TYPE_INT64', ort: 'int64', size: 8, contents: 'int64_contents' },
  { wire: 'FP16', config: 'TYPE_FP16', ort: 'float16', size: 2, contents: undefined },
  { wire: 'FP32', config: 'TYPE_FP32', ort: 'float32', size: 4, contents: 'fp32_contents' },
  { wire: 'FP64', config: 'TYPE_FP64', ort: 'float64', size: 8, contents: 'fp64_contents' },
  { wire: 'BYTES', config: 'TYPE_STRING', ort: 'string', size: 0, contents: 'bytes_contents' },
];

const BY_WIRE = new Map(TABLE.map((t) => [t.wire as string, t]));
const BY_CONFIG = new Map(TABLE.map((t) => [t.config, t]));
const BY_ORT = new Map(TABLE.map((t) => [t.ort as string, t]));

export function fromWire(name: string): DataTypeInfo | undefined {
  return BY_WIRE.get(name);
}

/** Looks up a config enum name (`TYPE_FP32`); throws for types this server cannot run. */
export function fromConfig(name: string): DataTypeInfo {
  const info = BY_CONFIG.get(name);
  if (!info) throw new InputError(`data type ${name} is not supported by the onnxruntime backend`);
  return info;
}

export function fromOrt(name: string): DataTypeInfo | undefined {
  return BY_ORT.get(name);
}

/** `TYPE_FP32` → `FP32`, as ModelMetadata reports it; unknown types pass through without the prefix. */
export function configToWireName(configType: string): string {
  return BY_CONFIG.get(configType)?.wire ?? configType.replace(/^TYPE_/, '');
}
