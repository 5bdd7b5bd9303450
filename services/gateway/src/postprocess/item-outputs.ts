/**
 * Picks one item's outputs, by role, out of a batched inference response: each output tensor holds
 * batch × (product of the config dims) float32 values, item `i` being the i-th run of that many. The
 * slices are views (no copy). A missing or short output means Triton answered with something other than
 * the contract: InternalError.
 */
import { InternalError } from '../domain/errors';
import type { ModelContract, OutputRef } from '../routing/contract-types';
import type { ItemOutputs } from './decision-types';

export type OutputTensors = ReadonlyMap<string, Float32Array> | Readonly<Record<string, Float32Array>>;

function lookup(tensors: OutputTensors, name: string): Float32Array | undefined {
  if (tensors instanceof Map) return (tensors as ReadonlyMap<string, Float32Array>).get(name);
  return (tensors as Readonly<Record<string, Float32Array>>)[name];
}

export function itemOutputs(contract: ModelContract, tensors: OutputTensors, item: number): ItemOutputs {
  if (!Number.isInteger(item) || item < 0)
    throw new RangeError(`item index must be an integer ≥ 0, got ${item}`);
  const slice = (ref: OutputRef): Float32Array => {
    const data = lookup(tensors, ref.name);
    if (data === undefined)
      throw new InternalError(`model '${contract.model}' returned no output '${ref.name}'`);
    const end = (item + 1) * ref.size;
    if (data.length < end) {
      throw new InternalError(
        `model '${contract.model}': output '${ref.name}' has ${data.length} values, item ${item} needs ${end}`,
      );
    }
    return data.subarray(item * ref.size, end);
  };
  const { classScores, defectProbability, heatmap, members, anomalyScore } = contract.outputs;
  const out: ItemOutputs = { classScores: slice(classScores) };
  if (defectProbability !== undefined) out.defectProbability = slice(defectProbability);
  if (heatmap !== undefined) out.heatmap = slice(heatmap);
  if (members !== undefined) out.members = members.map(slice);
  if (anomalyScore !== undefined) out.anomalyScore = slice(anomalyScore);
  return out;
}

/** The output names to request from Triton for a contract (every role the gateway reads). */
export function requestedOutputs(contract: ModelContract): string[] {
  const { classScores, defectProbability, heatmap, members, anomalyScore } = contract.outputs;
  return [classScores, defectProbability, heatmap, ...(members ?? []), anomalyScore]
    .filter((r): r is OutputRef => r !== undefined)
    .map((r) => r.name);
}
