import type { ModelInferRequest__Input, ModelInferResponse } from '@defect-gateway/proto';
import { InternalError } from '../domain/errors';
import { BYTES_PER_ELEMENT, type WireDataType, type WireTensor } from '../domain/tensor';

export interface InferRequest {
  model: string;
  /** Empty or absent: the server's version policy picks (Triton: the latest ready version). */
  version?: string;
  id?: string;
  inputs: WireTensor[];
  /** Output names to return; absent: every output of the model. */
  outputs?: string[];
}

export interface InferResult {
  model: string;
  /** The version that actually ran, as Triton reports it. */
  version: string;
  id: string;
  outputs: Map<string, WireTensor>;
}

/** Builds a KServe v2 request with every input's bytes in `raw_input_contents` (no copies). */
export function toInferRequest(req: InferRequest): ModelInferRequest__Input {
  return {
    model_name: req.model,
    model_version: req.version ?? '',
    id: req.id ?? '',
    inputs: req.inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
    outputs: (req.outputs ?? []).map((name) => ({ name })),
    raw_input_contents: req.inputs.map((t) => t.data),
  };
}

/** Reads a response whose output bytes are in `raw_output_contents`, as Triton's gRPC frontend sends them. */
export function fromInferResponse(res: ModelInferResponse): InferResult {
  if (res.raw_output_contents.length !== res.outputs.length) {
    throw new InternalError(
      `Triton returned ${res.outputs.length} outputs but ${res.raw_output_contents.length} raw output buffers`,
    );
  }
  const outputs = new Map<string, WireTensor>();
  res.outputs.forEach((out, i) => {
    if (!isWireDataType(out.datatype)) {
      throw new InternalError(`output '${out.name}' has unsupported datatype '${out.datatype}'`);
    }
    const data = res.raw_output_contents[i] ?? Buffer.alloc(0);
    outputs.set(out.name, { name: out.name, datatype: out.datatype, shape: out.shape, data });
  });
  return { model: res.model_name, version: res.model_version, id: res.id, outputs };
}

function isWireDataType(name: string): name is WireDataType {
  return Object.hasOwn(BYTES_PER_ELEMENT, name);
}
