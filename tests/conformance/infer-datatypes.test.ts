// Conformance: every data type through the identity_* models, models without a batch dimension, the
// image model at batch 1 and 32, softmax, a message above gRPC's default 4 MiB cap, and ModelStreamInfer.
// Every assertion holds for NVIDIA Triton and must hold for model-server (see README.md).
import { fp32Request } from './fixture-requests';
import { useConformanceServer } from './server';
import {
  decodeBool,
  decodeBytes,
  decodeInt32,
  decodeInt64,
  encodeBool,
  encodeBytes,
  encodeInt32,
  encodeInt64,
  expectClose,
  fp32Output,
  outputByName,
  randomBytesElements,
  randomFloats,
  randomFp16Bytes,
  randomInts,
  encodeFp32,
  add,
  sub,
} from './tensors';
import type { InferTensorContents, ModelInferRequest, ModelInferResponse } from './triton-messages';

const IDENTITY_MODELS = ['fp32', 'fp16', 'int64', 'int32', 'uint8', 'bool', 'bytes'].map(
  (t) => `identity_${t}`,
);
const server = useConformanceServer({
  models: [...IDENTITY_MODELS, 'no_batch', 'image_u8', 'labelled', 'simple'],
});

function identityRequest(
  type: string,
  datatype: string,
  shape: number[],
  data: { raw: Buffer } | { contents: InferTensorContents },
): ModelInferRequest {
  return {
    model_name: `identity_${type}`,
    inputs: [{ name: 'INPUT0', datatype, shape, ...('contents' in data ? { contents: data.contents } : {}) }],
    raw_input_contents: 'raw' in data ? [data.raw] : [],
  };
}

function expectIdentity(res: ModelInferResponse, datatype: string, shape: number[], raw: Buffer): void {
  const out = outputByName(res, 'OUTPUT0');
  expect(out.tensor.datatype).toBe(datatype);
  expect(out.tensor.shape).toEqual(shape);
  expect(out.raw.equals(raw)).toBe(true);
}

describe('identity round trips', () => {
  const n = 7;
  const shape = [2, n];

  test('FP32 raw and fp32_contents', async () => {
    const values = randomFloats(2 * n, 1e6);
    const raw = encodeFp32(values);
    expectIdentity(
      await server().client.infer(identityRequest('fp32', 'FP32', shape, { raw })),
      'FP32',
      shape,
      raw,
    );
    const viaContents = await server().client.infer(
      identityRequest('fp32', 'FP32', shape, { contents: { fp32_contents: values } }),
    );
    expectIdentity(viaContents, 'FP32', shape, raw);
  });

  test('FP16 raw bytes', async () => {
    const raw = randomFp16Bytes(2 * n);
    expectIdentity(
      await server().client.infer(identityRequest('fp16', 'FP16', shape, { raw })),
      'FP16',
      shape,
      raw,
    );
  });

  test('INT64 raw and int64_contents', async () => {
    const values = randomInts(2 * n, -(2 ** 40), 2 ** 40);
    const raw = encodeInt64(values);
    const res = await server().client.infer(identityRequest('int64', 'INT64', shape, { raw }));
    expectIdentity(res, 'INT64', shape, raw);
    expect(decodeInt64(outputByName(res, 'OUTPUT0').raw)).toEqual(values);
    const viaContents = await server().client.infer(
      identityRequest('int64', 'INT64', shape, { contents: { int64_contents: values } }),
    );
    expectIdentity(viaContents, 'INT64', shape, raw);
  });

  test('INT32 raw and int_contents', async () => {
    const values = randomInts(2 * n, -(2 ** 31), 2 ** 31 - 1);
    const raw = encodeInt32(values);
    const res = await server().client.infer(identityRequest('int32', 'INT32', shape, { raw }));
    expectIdentity(res, 'INT32', shape, raw);
    expect(decodeInt32(outputByName(res, 'OUTPUT0').raw)).toEqual(values);
    const viaContents = await server().client.infer(
      identityRequest('int32', 'INT32', shape, { contents: { int_contents: values } }),
    );
    expectIdentity(viaContents, 'INT32', shape, raw);
  });

  test('UINT8 raw and uint_contents', async () => {
    const values = randomInts(2 * n, 0, 255);
    const raw = Buffer.from(values);
    expectIdentity(
      await server().client.infer(identityRequest('uint8', 'UINT8', shape, { raw })),
      'UINT8',
      shape,
      raw,
    );
    const viaContents = await server().client.infer(
      identityRequest('uint8', 'UINT8', shape, { contents: { uint_contents: values } }),
    );
    expectIdentity(viaContents, 'UINT8', shape, raw);
  });

  test('BOOL raw and bool_contents', async () => {
    const values = Array.from({ length: 2 * n }, () => Math.random() < 0.5);
    const raw = encodeBool(values);
    const res = await server().client.infer(identityRequest('bool', 'BOOL', shape, { raw }));
    expectIdentity(res, 'BOOL', shape, raw);
    expect(decodeBool(outputByName(res, 'OUTPUT0').raw)).toEqual(values);
    const viaContents = await server().client.infer(
      identityRequest('bool', 'BOOL', shape, { contents: { bool_contents: values } }),
    );
    expectIdentity(viaContents, 'BOOL', shape, raw);
  });

  test('BYTES raw (4-byte length prefix per element) and bytes_contents', async () => {
    const elements = randomBytesElements(2 * n);
    const raw = encodeBytes(elements);
    const res = await server().client.infer(identityRequest('bytes', 'BYTES', shape, { raw }));
    expectIdentity(res, 'BYTES', shape, raw);
    expect(decodeBytes(outputByName(res, 'OUTPUT0').raw).map((b) => b.toString('hex'))).toEqual(
      elements.map((b) => b.toString('hex')),
    );
    const viaContents = await server().client.infer(
      identityRequest('bytes', 'BYTES', shape, { contents: { bytes_contents: elements } }),
    );
    expectIdentity(viaContents, 'BYTES', shape, raw);
  });
});

describe('shapes and models', () => {
  test('no_batch takes exactly [2, 3] and adds 1', async () => {
    const x = randomFloats(6);
    const res = await server().client.infer(fp32Request('no_batch', [['INPUT0', [2, 3], x]]));
    expect(outputByName(res, 'OUTPUT0').tensor.shape).toEqual([2, 3]);
    expectClose(
      fp32Output(res, 'OUTPUT0'),
      x.map((v) => Math.fround(v + 1)),
    );
  });

  test.each([1, 32])('image_u8 at batch %d: MEAN = mean(IMAGE) / 255', async (batch) => {
    const pixels = 64 * 64;
    const image = Buffer.from(randomInts(batch * pixels, 0, 255));
    const res = await server().client.infer({
      model_name: 'image_u8',
      inputs: [{ name: 'IMAGE', datatype: 'UINT8', shape: [batch, 1, 64, 64] }],
      raw_input_contents: [image],
    });
    const out = outputByName(res, 'MEAN');
    expect(out.tensor.datatype).toBe('FP32');
    expect(out.tensor.shape).toEqual([batch, 1]);
    const expected = Array.from({ length: batch }, (_, i) => {
      let sum = 0;
      for (let p = 0; p < pixels; p++) sum += image[i * pixels + p]!;
      return sum / pixels / 255;
    });
    expectClose(fp32Output(res, 'MEAN'), expected, 1e-5);
  });

  test('labelled returns softmax(INPUT0)', async () => {
    const x = randomFloats(6, 5);
    const res = await server().client.infer(fp32Request('labelled', [['INPUT0', [2, 3], x]]));
    const expected: number[] = [];
    for (let row = 0; row < 2; row++) {
      const v = x.slice(row * 3, row * 3 + 3);
      const m = Math.max(...v);
      const e = v.map((t) => Math.exp(t - m));
      const s = e.reduce((p, q) => p + q, 0);
      expected.push(...e.map((t) => t / s));
    }
    expect(outputByName(res, 'OUTPUT0').tensor.shape).toEqual([2, 3]);
    expectClose(fp32Output(res, 'OUTPUT0'), expected, 1e-5);
  });

  test('a 6 MiB request and response (above the 4 MiB gRPC default) succeed', async () => {
    const size = 6 * 1024 * 1024;
    const raw = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4096) raw[i] = (i / 4096) & 0xff;
    raw[size - 1] = 0x5a;
    const res = await server().client.infer(identityRequest('uint8', 'UINT8', [1, size], { raw }), 120_000);
    expectIdentity(res, 'UINT8', [1, size], raw);
  });
});

describe('ModelStreamInfer', () => {
  test('two requests on one stream are both answered correctly', async () => {
    const stream = server().client.openStream();
    try {
      const a = randomFloats(16);
      const b = randomFloats(16);
      const x = randomFloats(6);
      stream.write(
        fp32Request(
          'simple',
          [
            ['INPUT0', [1, 16], a],
            ['INPUT1', [1, 16], b],
          ],
          'raw',
          { id: 'first' },
        ),
      );
      stream.write(fp32Request('no_batch', [['INPUT0', [2, 3], x]], 'raw', { id: 'second' }));
      const responses = await stream.read(2);
      for (const r of responses) expect(r.error_message).toBe('');
      const byId = new Map(responses.map((r) => [r.infer_response?.id, r.infer_response]));
      const first = byId.get('first');
      const second = byId.get('second');
      if (first == null || second == null) throw new Error('missing stream response');
      expect(first.model_name).toBe('simple');
      expectClose(fp32Output(first, 'OUTPUT0'), add(a, b));
      expectClose(fp32Output(first, 'OUTPUT1'), sub(a, b));
      expect(second.model_name).toBe('no_batch');
      expectClose(
        fp32Output(second, 'OUTPUT0'),
        x.map((v) => Math.fround(v + 1)),
      );
    } finally {
      stream.end();
    }
  });
});
