// Request builders for the fixture models (tests/fixtures/README.md gives their formulas).
import { encodeFp32, randomFloats } from './tensors';
import type { InferInputTensor, ModelInferRequest } from './triton-messages';

export type DataMode = 'raw' | 'contents';

/** An FP32 request: each input is [name, shape, values]; data as raw bytes or typed fp32_contents. */
export function fp32Request(
  model: string,
  inputs: readonly (readonly [string, number[], number[]])[],
  mode: DataMode = 'raw',
  extra: Partial<ModelInferRequest> = {},
): ModelInferRequest {
  const tensors: InferInputTensor[] = inputs.map(([name, shape, values]) => ({
    name,
    datatype: 'FP32',
    shape,
    ...(mode === 'contents' ? { contents: { fp32_contents: values } } : {}),
  }));
  return {
    model_name: model,
    inputs: tensors,
    raw_input_contents: mode === 'raw' ? inputs.map(([, , values]) => encodeFp32(values)) : [],
    ...extra,
  };
}

/** Random INPUT0/INPUT1 of shape [batch, 16] for `simple` and models with the same signature. */
export function simpleInputs(batch: number): { a: number[]; b: number[] } {
  return { a: randomFloats(batch * 16), b: randomFloats(batch * 16) };
}

export function simpleRequest(
  model: string,
  batch: number,
  a: number[],
  b: number[],
  mode: DataMode = 'raw',
  extra: Partial<ModelInferRequest> = {},
): ModelInferRequest {
  return fp32Request(
    model,
    [
      ['INPUT0', [batch, 16], a],
      ['INPUT1', [batch, 16], b],
    ],
    mode,
    extra,
  );
}
