import { fromWire } from './datatypes';
import { decodeInputs, locateInputData, type WireInput } from './request-inputs';
import type { ModelSignature } from './signature';

const FP32 = fromWire('FP32')!;
const BYTES = fromWire('BYTES')!;
const spec = (name: string, type = FP32, dims = [4]) => ({
  name,
  type,
  dims,
  optional: false,
  reshape: undefined,
  labels: undefined,
});
const sig: ModelSignature = {
  model: 'simple',
  maxBatchSize: 8,
  inputs: [spec('INPUT0'), spec('INPUT1')],
  outputs: [spec('OUTPUT0')],
};
const fp32 = (n: number) => Buffer.alloc(n * 4);
const input = (name: string, shape: number[], datatype = 'FP32'): WireInput => ({ name, datatype, shape });
const decode = (s: ModelSignature, inputs: WireInput[], raw: Buffer[], id = '') =>
  decodeInputs(s, locateInputData(s.model, inputs, raw), id);

describe('locateInputData', () => {
  it('refuses typed contents next to raw_input_contents and names missing raw data', () => {
    const typed = { ...input('INPUT0', [1, 4]), contents: { fp32_contents: [1, 2, 3, 4] } };
    expect(() => locateInputData('simple', [typed], [fp32(4)])).toThrow(
      "contents field must not be specified when using raw_input_contents for 'INPUT0' for model 'simple'",
    );
    expect(() =>
      locateInputData('simple', [input('INPUT0', [1, 4]), input('INPUT1', [1, 4])], [fp32(4)]),
    ).toThrow("unable to find data for input tensor 'INPUT1' for model 'simple' in request.");
  });
});

describe('decodeInputs', () => {
  it('accepts raw inputs with a batch dimension and reports the batch size', () => {
    const decoded = decode(sig, [input('INPUT0', [2, 4]), input('INPUT1', [2, 4])], [fp32(8), fp32(8)]);
    expect(decoded.batchSize).toBe(2);
    expect(decoded.inputs.get('INPUT1')?.shape).toEqual([2, 4]);
  });

  it('converts typed contents to wire bytes and refuses contents of another type', () => {
    const decoded = decode(
      sig,
      [
        { ...input('INPUT0', [1, 4]), contents: { fp32_contents: [1, 2, 3, 4.5] } },
        { ...input('INPUT1', [1, 4]), contents: { fp32_contents: [0, 0, 0, 0] } },
      ],
      [],
    );
    expect((decoded.inputs.get('INPUT0')?.data as Buffer).readFloatLE(12)).toBe(4.5);
    expect(() =>
      decode(
        sig,
        [
          { ...input('INPUT0', [1, 4]), contents: { int_contents: [1, 2, 3, 4] } },
          { ...input('INPUT1', [1, 4]), contents: { fp32_contents: [0, 0, 0, 0] } },
        ],
        [],
      ),
    ).toThrow("of type 'INT32', expected datatype 'FP32'");
  });

  it('names the missing input, with the request id as Triton prefixes it', () => {
    expect(() => decode(sig, [input('INPUT0', [1, 4])], [fp32(4)], 'r7')).toThrow(
      "[request id: r7] expected 2 inputs but got 1 inputs for model 'simple'. Got input(s) ['INPUT0'], but missing required input(s) ['INPUT1']. Please provide all required input(s).",
    );
  });

  it('rejects an unknown input, a batch over max_batch_size, a wrong type, shape and byte size', () => {
    const ok = input('INPUT1', [1, 4]);
    expect(() => decode(sig, [input('X', [1, 4]), ok], [fp32(4), fp32(4)])).toThrow(
      "unexpected inference input 'X' for model 'simple'",
    );
    expect(() =>
      decode(sig, [input('INPUT0', [9, 4]), input('INPUT1', [9, 4])], [fp32(36), fp32(36)]),
    ).toThrow("[request id: <id_unknown>] inference request batch-size must be <= 8 for 'simple'");
    expect(() => decode(sig, [input('INPUT0', [1, 4], 'INT32'), ok], [fp32(4), fp32(4)])).toThrow(
      "inference input 'INPUT0' data-type is 'INT32', but model 'simple' expects 'FP32'",
    );
    expect(() => decode(sig, [input('INPUT0', [1, 3]), ok], [fp32(3), fp32(4)])).toThrow(
      "unexpected shape for input 'INPUT0' for model 'simple'. Expected [-1,4], got [1,3]. NOTE:",
    );
    expect(() => decode(sig, [input('INPUT0', [1, 4]), ok], [fp32(3), fp32(4)])).toThrow(
      "input byte size mismatch for input 'INPUT0' for model 'simple'. Expected 16, got 12",
    );
  });

  it('parses length-prefixed BYTES elements and checks their count', () => {
    const bsig: ModelSignature = {
      model: 'b',
      maxBatchSize: 0,
      inputs: [spec('T', BYTES, [-1])],
      outputs: [],
    };
    const raw = Buffer.concat([Buffer.from([2, 0, 0, 0]), Buffer.from('hi'), Buffer.from([0, 0, 0, 0])]);
    const decoded = decode(bsig, [input('T', [2], 'BYTES')], [raw]);
    expect((decoded.inputs.get('T')?.data as Buffer[]).map((b) => b.toString())).toEqual(['hi', '']);
    expect(() => decode(bsig, [input('T', [3], 'BYTES')], [raw])).toThrow(
      "expected 3 string elements for inference input 'T' for model 'b', got 2",
    );
    expect(() => decode(bsig, [input('T', [1], 'BYTES')], [Buffer.from([9, 0, 0, 0, 1])])).toThrow(
      /exceeds the end of the buffer/,
    );
  });
});
