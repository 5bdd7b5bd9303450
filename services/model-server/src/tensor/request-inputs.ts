import { InputError } from '../errors';
import { messages, requestPrefix } from '../messages';
import { fromWire, type DataTypeInfo } from './datatypes';
import { elementCount, parseBytesElements, type HostTensor } from './host-tensor';
import { fullShape, shapeMatches, type ModelSignature, type TensorSpec } from './signature';
import { contentsToData, presentContentsFields, type TypedContents } from './typed-contents';

/** The parts of a KServe v2 `InferInputTensor` that matter here. */
export interface WireInput {
  name: string;
  datatype: string;
  shape: Array<number | string>;
  contents?: TypedContents | null;
}

export interface DecodedRequest {
  /** Items in the implicit batch dimension; 1 for models without batching. */
  batchSize: number;
  inputs: Map<string, HostTensor>;
}

/** An input with its data located: a raw buffer or typed contents (the gRPC frontend's step). */
export interface LocatedInput {
  input: WireInput;
  raw: Buffer | undefined;
}

/**
 * Pairs each input with its data as Triton's gRPC frontend does: with `raw_input_contents`, the raw buffers
 * go to the inputs in order and no input may also carry typed contents.
 */
export function locateInputData(
  model: string,
  inputs: readonly WireInput[],
  raw: readonly Buffer[],
): LocatedInput[] {
  const useRaw = raw.length > 0;
  const located = inputs.map((input, index) => {
    const typed = presentContentsFields(input.contents);
    if (useRaw && typed.length > 0) throw new InputError(messages.rawAndContents(input.name, model));
    if (useRaw && index >= raw.length) throw new InputError(messages.missingInputData(input.name, model));
    return { input, raw: useRaw ? raw[index] : undefined };
  });
  if (raw.length > inputs.length)
    throw new InputError(messages.extraRawContents(model, inputs.length, raw.length));
  return located;
}

/**
 * Validates the inputs against the model's signature in Triton's order (input count, names, batch size, then per
 * input data type, shape and byte size) and turns them into host tensors.
 */
export function decodeInputs(
  sig: ModelSignature,
  located: readonly LocatedInput[],
  requestId: string,
): DecodedRequest {
  const prefix = requestPrefix(requestId);
  const fail = (message: string): never => {
    throw new InputError(prefix + message);
  };
  const required = sig.inputs.filter((s) => !s.optional);
  const given = located.map((l) => l.input.name);
  const givenSet = new Set(given);
  if (located.length < required.length || located.length > sig.inputs.length) {
    const missing = required.filter((s) => !givenSet.has(s.name)).map((s) => s.name);
    fail(messages.inputCount(sig.model, required.length, given, missing));
  }
  const byName = new Map(sig.inputs.map((s) => [s.name, s]));
  for (const { input } of located) {
    if (!byName.has(input.name)) throw new InputError(messages.unexpectedInput(input.name, sig.model));
  }
  const missing = required.filter((s) => !givenSet.has(s.name)).map((s) => s.name);
  if (missing.length > 0) fail(messages.inputCount(sig.model, required.length, given, missing));

  let batchSize = 1;
  if (sig.maxBatchSize > 0) {
    located.forEach(({ input }, i) => {
      const b = Number(input.shape[0] ?? 0);
      if (i === 0) batchSize = b;
      else if (b !== batchSize) fail(messages.batchMismatch(input.name, sig.model));
    });
    if (batchSize > sig.maxBatchSize || batchSize < 1)
      fail(messages.batchTooLarge(sig.model, sig.maxBatchSize));
  }

  const out = new Map<string, HostTensor>();
  for (const { input, raw } of located) {
    const spec = byName.get(input.name) as TensorSpec;
    const shape = input.shape.map((d) => Number(d));
    const type = fromWire(input.datatype);
    if (!type || type.wire !== spec.type.wire) {
      fail(messages.dataType(spec.name, input.datatype, sig.model, spec.type.wire));
    }
    const expected = fullShape(sig, spec);
    if (!shapeMatches(expected, shape) || shape.some((d) => d < 0)) {
      fail(messages.shape(input.name, sig.model, expected, shape, sig.maxBatchSize > 0));
    }
    const data = readData(sig, input, type as DataTypeInfo, shape, raw, fail);
    out.set(input.name, { name: input.name, type: type as DataTypeInfo, shape, data });
  }
  return { batchSize, inputs: out };
}

function readData(
  sig: ModelSignature,
  input: WireInput,
  type: DataTypeInfo,
  shape: number[],
  raw: Buffer | undefined,
  fail: (message: string) => never,
): Buffer | Buffer[] {
  const count = elementCount(shape);
  let data: Buffer | Buffer[];
  if (raw !== undefined) {
    data = type.size === 0 ? parseBytesElements(raw, input.name) : raw;
  } else if (input.contents && presentContentsFields(input.contents).length > 0) {
    data = contentsToData(type, input.contents, input.name, sig.model);
  } else {
    data = type.size === 0 ? [] : Buffer.alloc(0);
  }
  if (Array.isArray(data)) {
    if (data.length !== count) fail(messages.bytesElementCount(input.name, sig.model, count, data.length));
  } else if (data.length !== count * type.size) {
    fail(messages.byteSize(input.name, sig.model, count * type.size, data.length));
  }
  return data;
}
