import type { DataTypeInfo } from './datatypes';

/** One input or output as the model's config declares it (dims without the implicit batch dimension). */
export interface TensorSpec {
  name: string;
  type: DataTypeInfo;
  dims: number[];
  optional: boolean;
  /** Shape the backend sees when the config has `reshape` (without batch dimension). */
  reshape: number[] | undefined;
  labels: string[] | undefined;
}

/** What a request is validated against. */
export interface ModelSignature {
  model: string;
  maxBatchSize: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

/** The full shape a request must have for a tensor, with -1 for the batch dimension where there is one. */
export function fullShape(sig: ModelSignature, spec: TensorSpec): number[] {
  return sig.maxBatchSize > 0 ? [-1, ...spec.dims] : [...spec.dims];
}

export function shapeMatches(expected: readonly number[], got: readonly number[]): boolean {
  if (expected.length !== got.length) return false;
  return expected.every((d, i) => d === -1 || d === got[i]);
}
