import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseModelConfigText } from '../../../model-server/src/repository';
import { InternalError } from '../domain/errors';
import { parseModelContract } from '../routing/model-contract';
import { itemOutputs, requestedOutputs } from './item-outputs';
import { softmaxWithTemperature } from './probabilities';

const file = path.resolve(
  __dirname,
  '../../../../tests/fixtures/gateway_repository/visual_fixture/config.pbtxt',
);
const contract = parseModelContract(parseModelConfigText(fs.readFileSync(file, 'utf8')));
const seq = (n: number, from: number) => Float32Array.from({ length: n }, (_, i) => from + i);

describe('itemOutputs', () => {
  const batch = new Map([
    ['PROBS', seq(6, 0)],
    ['DEFECT_PROB', seq(2, 100)],
    ['HEATMAP', seq(512, 1000)],
    ['MEMBER_FINE', seq(2, 200)],
    ['MEMBER_COARSE', seq(2, 300)],
  ]);

  it("slices one item's values out of each batched output, by role", () => {
    const item = itemOutputs(contract, batch, 1);
    expect(Array.from(item.classScores)).toEqual([3, 4, 5]);
    expect(Array.from(item.defectProbability ?? [])).toEqual([101]);
    expect(item.heatmap?.length).toBe(256);
    expect(item.heatmap?.[0]).toBe(1256);
    expect(item.members?.map((m) => Array.from(m))).toEqual([[201], [301]]);
    expect(itemOutputs(contract, Object.fromEntries(batch), 0).classScores[2]).toBe(2);
  });

  it('throws InternalError when an output is missing or too short', () => {
    const missing = new Map(batch);
    missing.delete('HEATMAP');
    expect(() => itemOutputs(contract, missing, 0)).toThrow(InternalError);
    expect(() => itemOutputs(contract, batch, 2)).toThrow(/'PROBS' has 6 values, item 2 needs 9/);
  });

  it('lists the outputs to request', () => {
    expect(requestedOutputs(contract)).toEqual([
      'PROBS',
      'DEFECT_PROB',
      'HEATMAP',
      'MEMBER_FINE',
      'MEMBER_COARSE',
    ]);
  });
});

describe('softmaxWithTemperature', () => {
  it('is exact for large logits and refuses a non-positive temperature', () => {
    expect(softmaxWithTemperature([1000, 0], 1)).toEqual([1, Math.exp(-1000)]);
    const p = softmaxWithTemperature([1, 2, 3], 0.5);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
    expect(p[2]! / p[1]!).toBeCloseTo(Math.exp(2), 12);
    expect(() => softmaxWithTemperature([1], 0)).toThrow(RangeError);
  });
});
