// Conformance: inference errors return Triton's gRPC status codes and exact messages (triton-errors.ts).
// Every assertion holds for NVIDIA Triton and must hold for model-server (see README.md).
import { fp32Request, simpleInputs, simpleRequest } from './fixture-requests';
import { useConformanceServer } from './server';
import { encodeFp32, encodeInt32, expectClose, fp32Output, randomFloats, randomInts, sub } from './tensors';
import { tritonErrors } from './triton-errors';
import { expectErrorMessage, expectGrpcError, settle } from './expect-grpc-error';
import type { ModelInferRequest } from './triton-messages';

const server = useConformanceServer({ models: ['simple', 'no_batch', 'queue_limited'] });
const infer = (request: ModelInferRequest) => server().client.infer(request);
const sixteen = () => encodeFp32(randomFloats(16));

describe('model lookup', () => {
  test('unknown model: ModelInfer, ModelMetadata, ModelConfig', async () => {
    const { client } = server();
    const { a, b } = simpleInputs(1);
    const expected = tritonErrors.unknownModel('no_such_model');
    await expectGrpcError(client.infer(simpleRequest('no_such_model', 1, a, b)), expected);
    await expectGrpcError(client.modelMetadata('no_such_model'), expected);
    await expectGrpcError(client.modelConfig('no_such_model'), expected);
  });

  test('a version that was never loaded', async () => {
    const { a, b } = simpleInputs(1);
    await expectGrpcError(
      infer(simpleRequest('simple', 1, a, b, 'raw', { model_version: '5' })),
      tritonErrors.unknownVersion('simple', 5),
    );
  });
});

describe('request validation', () => {
  test('wrong input datatype', async () => {
    await expectGrpcError(
      infer({
        model_name: 'simple',
        inputs: [
          { name: 'INPUT0', datatype: 'INT32', shape: [1, 16] },
          { name: 'INPUT1', datatype: 'FP32', shape: [1, 16] },
        ],
        raw_input_contents: [encodeInt32(randomInts(16, -5, 5)), sixteen()],
      }),
      tritonErrors.wrongDatatype({ model: 'simple', input: 'INPUT0', got: 'INT32', expected: 'FP32' }),
    );
  });

  test('the request id, when given, replaces <id_unknown> in the prefix', async () => {
    await expectGrpcError(
      infer({
        model_name: 'simple',
        id: 'req-7',
        inputs: [
          { name: 'INPUT0', datatype: 'FP32', shape: [1, 16] },
          { name: 'INPUT1', datatype: 'INT32', shape: [1, 16] },
        ],
        raw_input_contents: [sixteen(), encodeInt32(randomInts(16, -5, 5))],
      }),
      tritonErrors.wrongDatatype({
        model: 'simple',
        input: 'INPUT1',
        got: 'INT32',
        expected: 'FP32',
        requestId: 'req-7',
      }),
    );
  });

  test('wrong input shape (batched model)', async () => {
    await expectGrpcError(
      infer(
        fp32Request('simple', [
          ['INPUT0', [1, 15], randomFloats(15)],
          ['INPUT1', [1, 16], randomFloats(16)],
        ]),
      ),
      tritonErrors.wrongShape({
        model: 'simple',
        input: 'INPUT0',
        configDims: [16],
        maxBatchSize: 8,
        got: [1, 15],
      }),
    );
  });

  test('wrong input shape (model without batch dimension)', async () => {
    await expectGrpcError(
      infer(fp32Request('no_batch', [['INPUT0', [3, 2], randomFloats(6)]])),
      tritonErrors.wrongShape({
        model: 'no_batch',
        input: 'INPUT0',
        configDims: [2, 3],
        maxBatchSize: 0,
        got: [3, 2],
      }),
    );
  });

  test('raw input byte size does not match the shape', async () => {
    await expectGrpcError(
      infer({
        model_name: 'simple',
        inputs: [
          { name: 'INPUT0', datatype: 'FP32', shape: [1, 16] },
          { name: 'INPUT1', datatype: 'FP32', shape: [1, 16] },
        ],
        raw_input_contents: [sixteen(), encodeFp32(randomFloats(15))],
      }),
      tritonErrors.byteSizeMismatch({ model: 'simple', input: 'INPUT1', expected: 64, got: 60 }),
    );
  });

  test('typed contents with too few elements', async () => {
    await expectGrpcError(
      infer(
        fp32Request(
          'simple',
          [
            ['INPUT0', [2, 16], randomFloats(31)],
            ['INPUT1', [2, 16], randomFloats(32)],
          ],
          'contents',
        ),
      ),
      tritonErrors.byteSizeMismatch({ model: 'simple', input: 'INPUT0', expected: 128, got: 124 }),
    );
  });

  test('missing required input', async () => {
    await expectGrpcError(
      infer(fp32Request('simple', [['INPUT0', [1, 16], randomFloats(16)]])),
      tritonErrors.wrongInputCount({ model: 'simple', expected: 2, got: ['INPUT0'], missing: ['INPUT1'] }),
    );
  });

  test('unexpected extra input in place of a required one', async () => {
    await expectGrpcError(
      infer(
        fp32Request('simple', [
          ['INPUT0', [1, 16], randomFloats(16)],
          ['EXTRA', [1, 16], randomFloats(16)],
        ]),
      ),
      tritonErrors.unexpectedInput('simple', 'EXTRA'),
    );
  });

  test('unknown requested output', async () => {
    const { a, b } = simpleInputs(1);
    await expectGrpcError(
      infer(simpleRequest('simple', 1, a, b, 'raw', { outputs: [{ name: 'OUTPUT0' }, { name: 'BOGUS' }] })),
      tritonErrors.unknownOutput('simple', 'BOGUS'),
    );
  });

  test('batch larger than max_batch_size', async () => {
    const { a, b } = simpleInputs(9);
    await expectGrpcError(infer(simpleRequest('simple', 9, a, b)), tritonErrors.batchTooLarge('simple', 8));
  });

  test('contents together with raw_input_contents', async () => {
    await expectGrpcError(
      infer({
        model_name: 'simple',
        inputs: [
          { name: 'INPUT0', datatype: 'FP32', shape: [1, 16], contents: { fp32_contents: randomFloats(16) } },
          { name: 'INPUT1', datatype: 'FP32', shape: [1, 16] },
        ],
        raw_input_contents: [sixteen()],
      }),
      tritonErrors.rawAndContents('simple', 'INPUT0'),
    );
  });

  test('fewer raw_input_contents than inputs', async () => {
    await expectGrpcError(
      infer({
        model_name: 'simple',
        inputs: [
          { name: 'INPUT0', datatype: 'FP32', shape: [1, 16] },
          { name: 'INPUT1', datatype: 'FP32', shape: [1, 16] },
        ],
        raw_input_contents: [sixteen()],
      }),
      tritonErrors.missingInputData('simple', 'INPUT1'),
    );
  });

  test('typed contents field that does not match the datatype', async () => {
    await expectGrpcError(
      infer({
        model_name: 'simple',
        inputs: [
          {
            name: 'INPUT0',
            datatype: 'FP32',
            shape: [1, 16],
            contents: { int_contents: randomInts(16, 0, 9) },
          },
          { name: 'INPUT1', datatype: 'FP32', shape: [1, 16], contents: { fp32_contents: randomFloats(16) } },
        ],
      }),
      tritonErrors.contentsTypeMismatch({
        model: 'simple',
        input: 'INPUT0',
        contentsType: 'INT32',
        datatype: 'FP32',
      }),
    );
  });
});

describe('queue policy', () => {
  test('queue_limited rejects requests beyond max_queue_size with UNAVAILABLE; the others succeed', async () => {
    const cases = Array.from({ length: 6 }, () => simpleInputs(1));
    const outcomes = await Promise.all(
      cases.map((c) => settle(server().client.infer(simpleRequest('queue_limited', 1, c.a, c.b)))),
    );
    const expected = tritonErrors.queueFull();
    let rejected = 0;
    outcomes.forEach((outcome, i) => {
      if (outcome.ok) {
        expectClose(fp32Output(outcome.value, 'OUTPUT1'), sub(cases[i]!.a, cases[i]!.b));
      } else {
        rejected++;
        expect({ code: outcome.code, message: outcome.message }).toEqual({
          code: 'UNAVAILABLE',
          message: expected.message,
        });
      }
    });
    expect(rejected).toBeGreaterThanOrEqual(1);
    expect(rejected).toBeLessThan(outcomes.length);
  });
});

describe('errors on ModelStreamInfer', () => {
  test('an error goes into error_message and the stream keeps serving', async () => {
    const stream = server().client.openStream();
    try {
      const { a, b } = simpleInputs(1);
      stream.write(simpleRequest('no_such_model', 1, a, b, 'raw', { id: 'bad' }));
      const [bad] = await stream.read(1);
      expectErrorMessage(bad!.error_message, tritonErrors.unknownModel('no_such_model'));
      stream.write(simpleRequest('simple', 1, a, b, 'raw', { id: 'good' }));
      const [good] = await stream.read(1);
      expect(good!.error_message).toBe('');
      expect(good!.infer_response?.id).toBe('good');
      expectClose(fp32Output(good!.infer_response!, 'OUTPUT1'), sub(a, b));
    } finally {
      stream.end();
    }
  });
});
