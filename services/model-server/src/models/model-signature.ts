import type { ModelConfig } from '@defect-gateway/proto';
import { fromConfig } from '../tensor/datatypes';
import type { ModelSignature, TensorSpec } from '../tensor/signature';

interface ConfigTensor {
  name: string;
  data_type: string;
  dims: Array<number | string>;
  optional?: boolean;
  reshape?: { shape: Array<number | string> } | null;
}

/** Derives the request contract of a model from its (validated) config. */
export function buildSignature(config: ModelConfig, labels: ReadonlyMap<string, string[]>): ModelSignature {
  return {
    model: config.name,
    maxBatchSize: config.max_batch_size,
    inputs: config.input.map((t) => toSpec(t as ConfigTensor, undefined)),
    outputs: config.output.map((t) => toSpec(t as ConfigTensor, labels.get(t.name))),
  };
}

function toSpec(t: ConfigTensor, labels: string[] | undefined): TensorSpec {
  return {
    name: t.name,
    type: fromConfig(t.data_type),
    dims: t.dims.map((d) => Number(d)),
    optional: t.optional === true,
    reshape: t.reshape ? t.reshape.shape.map((d) => Number(d)) : undefined,
    labels,
  };
}

/** Reads an integer from the config's `parameters` map (string values, as Triton stores them). */
export function intParameter(config: ModelConfig, key: string, fallback: number): number {
  const raw = config.parameters[key]?.string_value;
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number.parseInt(raw, 10);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}
