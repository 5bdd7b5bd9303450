import type {
  InferOutputTensor__Input,
  ModelInferRequest__Output,
  ModelInferResponse__Input,
} from '@defect-gateway/proto';
import { InputError, UnsupportedError } from '../errors';
import { messages } from '../messages';
import type { ModelManager } from '../models/model-manager';
import { toRawBytes, type HostTensor } from '../tensor/host-tensor';
import { decodeInputs, locateInputData } from '../tensor/request-inputs';
import type { ModelSignature } from '../tensor/signature';
import { classify } from './classification';

interface OutputRequest {
  name: string;
  classification: number;
}

/**
 * ModelInfer as Triton's gRPC frontend does it: resolve the version, validate and decode the inputs, schedule,
 * and answer with `raw_output_contents` in the order of the outputs listed. `signal` is aborted when the call is
 * cancelled or its deadline passes: whatever of the request is still queued is dropped.
 */
export async function runInference(
  manager: ModelManager,
  request: ModelInferRequest__Output,
  signal?: AbortSignal,
): Promise<ModelInferResponse__Input> {
  const arrivalNs = process.hrtime.bigint();
  rejectUnsupportedParameters(request);
  const servable = manager.resolve(request.model_name, request.model_version);
  const sig = servable.signature;
  const located = locateInputData(sig.model, request.inputs, request.raw_input_contents);
  const wanted = requestedOutputs(sig, request);
  const decoded = decodeInputs(sig, located, request.id);
  const result = await servable.infer({
    inputs: decoded.inputs,
    batchSize: decoded.batchSize,
    outputs: [...new Set(wanted.map((o) => o.name))],
    arrivalNs,
    requestId: request.id,
    signal,
  });
  const outputs: InferOutputTensor__Input[] = [];
  const raw: Buffer[] = [];
  for (const want of wanted) {
    let tensor = result.outputs.get(want.name) as HostTensor;
    if (want.classification > 0) {
      const spec = sig.outputs.find((o) => o.name === want.name);
      tensor = classify(tensor, want.classification, spec?.labels, sig.maxBatchSize > 0);
    }
    outputs.push({ name: want.name, datatype: tensor.type.wire, shape: tensor.shape });
    raw.push(toRawBytes(tensor));
  }
  return {
    model_name: servable.name,
    model_version: String(servable.version),
    id: request.id,
    outputs,
    raw_output_contents: raw,
  };
}

function requestedOutputs(sig: ModelSignature, request: ModelInferRequest__Output): OutputRequest[] {
  if (request.outputs.length === 0) return sig.outputs.map((o) => ({ name: o.name, classification: 0 }));
  return request.outputs.map((o) => {
    if (!sig.outputs.some((s) => s.name === o.name))
      throw new InputError(messages.unexpectedOutput(o.name, sig.model));
    if (o.parameters['shared_memory_region']) throw new UnsupportedError(messages.sharedMemory());
    const cls = o.parameters['classification'];
    const k = cls ? Number(cls.int64_param ?? 0) : 0;
    return { name: o.name, classification: k };
  });
}

function rejectUnsupportedParameters(request: ModelInferRequest__Output): void {
  for (const input of request.inputs) {
    if (input.parameters['shared_memory_region']) throw new UnsupportedError(messages.sharedMemory());
  }
}
