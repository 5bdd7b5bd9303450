import * as ort from 'onnxruntime-node';
import { fromOrt } from '../tensor/datatypes';
import { isBytesData, type HostTensor } from '../tensor/host-tensor';

type TypedArrayCtor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | BigInt64ArrayConstructor
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Uint32ArrayConstructor
  | BigUint64ArrayConstructor;

const ARRAY_FOR: Record<string, TypedArrayCtor> = {
  bool: Uint8Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  float16: Uint16Array,
  float32: Float32Array,
  float64: Float64Array,
};

/**
 * Wraps a host tensor for ONNX Runtime without copying when its bytes are suitably aligned.
 * BYTES elements cross as latin1 strings (one character per byte) because onnxruntime-node takes string tensors
 * only as JS strings: that keeps arbitrary bytes intact through the model, as Triton does; a model that compares
 * non-ASCII text with constants of its own would see the bytes re-encoded.
 */
export function toOrtTensor(t: HostTensor, dims: readonly number[] = t.shape): ort.Tensor {
  if (isBytesData(t.data)) {
    return new ort.Tensor(
      'string',
      t.data.map((e) => e.toString('latin1')),
      dims,
    );
  }
  const Ctor = ARRAY_FOR[t.type.ort];
  if (!Ctor) throw new Error(`no ONNX Runtime array type for ${t.type.ort}`);
  let bytes = t.data;
  if (bytes.byteOffset % t.type.size !== 0) {
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    bytes = Buffer.from(copy.buffer, 0, copy.length);
  }
  const view = new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length / t.type.size);
  return new ort.Tensor(t.type.ort as 'float32', view as Float32Array, dims);
}

/** Reads an ONNX Runtime output into a host tensor (a view over its memory for fixed-size types). */
export function fromOrtTensor(name: string, tensor: ort.Tensor): HostTensor {
  const type = fromOrt(tensor.type);
  if (!type) throw new Error(`output '${name}' has type ${tensor.type}, which the server cannot return`);
  const shape = tensor.dims.map((d) => Number(d));
  if (type.wire === 'BYTES') {
    const values = tensor.data as string[];
    return { name, type, shape, data: values.map((s) => Buffer.from(s, 'latin1')) };
  }
  const arr = tensor.data as Uint8Array;
  return { name, type, shape, data: Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength) };
}
