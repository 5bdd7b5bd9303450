import * as ort from 'onnxruntime-node';
import { InternalError } from '../errors';
import type { HostTensor } from '../tensor/host-tensor';
import type { ModelSignature } from '../tensor/signature';
import { fromOrtTensor, toOrtTensor } from './ort-tensors';

export interface OnnxInstanceOptions {
  modelFile: string;
  count: number;
  intraOpThreads: number;
  interOpThreads: number;
}

export interface ExecutionTimings {
  computeInputNs: bigint;
  computeInferNs: bigint;
  computeOutputNs: bigint;
}

export interface ExecutionResult {
  outputs: Map<string, HostTensor>;
  timings: ExecutionTimings;
}

/**
 * The ONNX Runtime sessions of one model version: `count` independent sessions (Triton's instance_group count),
 * each running one batch at a time. The scheduler decides which instance runs what.
 */
export class OnnxInstances {
  private constructor(
    private readonly sessions: ort.InferenceSession[],
    private readonly signature: ModelSignature,
  ) {}

  static async create(signature: ModelSignature, options: OnnxInstanceOptions): Promise<OnnxInstances> {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: options.interOpThreads,
      executionMode: 'sequential',
    };
    const sessions: ort.InferenceSession[] = [];
    try {
      for (let i = 0; i < Math.max(1, options.count); i++) {
        sessions.push(await ort.InferenceSession.create(options.modelFile, sessionOptions));
      }
    } catch (err) {
      await Promise.allSettled(sessions.map((s) => s.release()));
      throw new InternalError(
        `failed to create ONNX Runtime session for '${options.modelFile}': ${String(err)}`,
        {
          cause: err,
        },
      );
    }
    const first = sessions[0] as ort.InferenceSession;
    checkNames(signature, first);
    return new OnnxInstances(sessions, signature);
  }

  get count(): number {
    return this.sessions.length;
  }

  async execute(
    instance: number,
    inputs: Map<string, HostTensor>,
    outputs: string[],
  ): Promise<ExecutionResult> {
    const session = this.sessions[instance];
    if (!session) throw new InternalError(`no model instance ${instance}`);
    const t0 = process.hrtime.bigint();
    const feeds: Record<string, ort.Tensor> = {};
    const batched = this.signature.maxBatchSize > 0;
    for (const spec of this.signature.inputs) {
      const t = inputs.get(spec.name);
      if (!t) continue;
      const dims = spec.reshape ? (batched ? [t.shape[0] ?? 1, ...spec.reshape] : spec.reshape) : t.shape;
      feeds[spec.name] = toOrtTensor(t, dims);
    }
    const t1 = process.hrtime.bigint();
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await session.run(feeds, outputs);
    } catch (err) {
      throw new InternalError(`onnx runtime error: ${String(err)}`, { cause: err });
    }
    const t2 = process.hrtime.bigint();
    const out = new Map<string, HostTensor>();
    for (const name of outputs) {
      const tensor = results[name];
      if (!tensor) throw new InternalError(`model did not produce output '${name}'`);
      const host = fromOrtTensor(name, tensor);
      const spec = this.signature.outputs.find((o) => o.name === name);
      if (spec?.reshape) host.shape = batched ? [host.shape[0] ?? 1, ...spec.dims] : [...spec.dims];
      out.set(name, host);
    }
    const t3 = process.hrtime.bigint();
    return {
      outputs: out,
      timings: { computeInputNs: t1 - t0, computeInferNs: t2 - t1, computeOutputNs: t3 - t2 },
    };
  }

  async release(): Promise<void> {
    await Promise.allSettled(this.sessions.map((s) => s.release()));
  }
}

function checkNames(signature: ModelSignature, session: ort.InferenceSession): void {
  const inputNames = new Set(session.inputNames);
  const outputNames = new Set(session.outputNames);
  for (const input of signature.inputs) {
    if (!inputNames.has(input.name)) {
      throw new InternalError(
        `unexpected inference input '${input.name}', allowed inputs are: ${session.inputNames.join(', ')}`,
      );
    }
  }
  for (const output of signature.outputs) {
    if (!outputNames.has(output.name)) {
      throw new InternalError(
        `unexpected inference output '${output.name}', allowed outputs are: ${session.outputNames.join(', ')}`,
      );
    }
  }
}
