/**
 * Calibrated class probabilities and the defect probability of one item.
 *
 * - Calibrated in the graph (`calibration.inGraph`): the class scores are used as they are, clamped to
 *   [0, 1] (float32 rounding can leave 1.0000001).
 * - Otherwise the class scores are logits and p = softmax(logits / T), computed in float64 with the maximum
 *   subtracted first (exact for any finite logits).
 * - Defect probability: the `defect_probability` output when the contract has one, else 1 − P(good class);
 *   clamped to [0, 1].
 * A non-finite value (NaN, ±Infinity) in these outputs means the model is broken: InternalError, never a
 * silent decision.
 */
import { InternalError } from '../domain/errors';
import type { ModelContract } from '../routing/contract-types';
import type { ItemOutputs, Values } from './decision-types';

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

function finite(values: Values, what: string, model: string): number[] {
  const out = Array.from(values, Number);
  const bad = out.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0)
    throw new InternalError(`model '${model}' returned a non-finite ${what} (index ${bad}: ${out[bad]})`);
  return out;
}

/** softmax(logits / temperature), float64. */
export function softmaxWithTemperature(logits: Values, temperature: number): number[] {
  if (!(temperature > 0) || !Number.isFinite(temperature))
    throw new RangeError(`temperature must be > 0, got ${temperature}`);
  const scaled = Array.from(logits, (v) => Number(v) / temperature);
  const max = Math.max(...scaled);
  const exps = scaled.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** Calibrated probability of every class, in the contract's class order. */
export function classProbabilities(contract: ModelContract, outputs: ItemOutputs): number[] {
  const raw = finite(outputs.classScores, contract.outputs.classScores.holds, contract.model);
  if (raw.length !== contract.classes.length) {
    throw new InternalError(
      `model '${contract.model}': ${raw.length} class scores for ${contract.classes.length} classes`,
    );
  }
  return contract.calibration.inGraph
    ? raw.map(clamp01)
    : softmaxWithTemperature(raw, contract.calibration.temperature);
}

/** P(defect): the model's defect-probability output, else 1 − P(good). */
export function defectProbability(
  contract: ModelContract,
  outputs: ItemOutputs,
  probabilities: readonly number[],
): number {
  if (contract.outputs.defectProbability !== undefined) {
    if (outputs.defectProbability === undefined) {
      throw new InternalError(`model '${contract.model}': the defect probability output is missing`);
    }
    const [value] = finite(outputs.defectProbability, 'defect probability', contract.model);
    if (value === undefined)
      throw new InternalError(`model '${contract.model}': empty defect probability output`);
    return clamp01(value);
  }
  const good = contract.goodClass === undefined ? -1 : contract.classes.indexOf(contract.goodClass);
  const pGood = probabilities[good];
  if (pGood === undefined)
    throw new InternalError(`model '${contract.model}': no good class to derive P(defect) from`);
  return clamp01(1 - pGood);
}

/** Each member's defect probability: its `[1]` output, or 1 − P(good) of its `[C]` probabilities. */
export function memberDefectProbabilities(contract: ModelContract, outputs: ItemOutputs): number[] {
  const members = contract.outputs.members ?? [];
  if (members.length === 0) return [];
  const values = outputs.members ?? [];
  if (values.length !== members.length) {
    throw new InternalError(
      `model '${contract.model}': ${values.length} member outputs for ${members.length} members`,
    );
  }
  const good = contract.goodClass === undefined ? -1 : contract.classes.indexOf(contract.goodClass);
  return members.map((m, i) => {
    const v = finite(values[i] ?? [], `member output '${m.name}'`, contract.model);
    const p =
      m.holds === 'defect_probability' ? v[0] : v[good] === undefined ? undefined : 1 - (v[good] ?? 0);
    if (p === undefined || v.length !== m.size) {
      throw new InternalError(
        `model '${contract.model}': member output '${m.name}' has ${v.length} values, expected ${m.size}`,
      );
    }
    return clamp01(p);
  });
}
