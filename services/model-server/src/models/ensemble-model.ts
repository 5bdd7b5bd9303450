import type { ModelConfig } from '@defect-gateway/proto';
import { InternalError, errorMessage, withMessage } from '../errors';
import { messages } from '../messages';
import { ModelStats, failureReason, type StatsObserver } from '../stats/model-stats';
import type { HostTensor } from '../tensor/host-tensor';
import type { ModelSignature } from '../tensor/signature';
import { buildSignature } from './model-signature';
import { InflightTracker, type InferCall, type InferResult, type Servable } from './servable';

/** Finds the servable a step runs on, at call time (so a reloaded step model is picked up). */
export type StepResolver = (model: string, version: number) => Servable;

interface Step {
  model: string;
  version: number;
  /** model input name → ensemble tensor name */
  inputMap: Array<[string, string]>;
  /** model output name → ensemble tensor name */
  outputMap: Array<[string, string]>;
}

/**
 * An ensemble: a graph of steps over named tensors. Each step starts as soon as all of its inputs exist, so
 * independent steps run concurrently; a step pinned to a version (`model_version` ≥ 1) always runs that version.
 */
export class EnsembleModel implements Servable {
  private readonly inflight = new InflightTracker();
  readonly signature: ModelSignature;
  readonly stats: ModelStats;
  private readonly steps: Step[];

  constructor(
    readonly config: ModelConfig,
    readonly version: number,
    private readonly resolve: StepResolver,
    observer?: StatsObserver,
  ) {
    this.signature = buildSignature(config, new Map());
    this.stats = new ModelStats(config.name, String(version), observer);
    this.steps = (config.ensemble_scheduling?.step ?? []).map((s) => ({
      model: s.model_name,
      version: Number(s.model_version),
      inputMap: Object.entries(s.input_map),
      outputMap: Object.entries(s.output_map),
    }));
  }

  get name(): string {
    return this.config.name;
  }

  /** Names of the models the steps run. */
  get dependencies(): string[] {
    return [...new Set(this.steps.map((s) => s.model))];
  }

  infer(call: InferCall): Promise<InferResult> {
    return this.inflight.track(async () => {
      try {
        const outputs = await this.run(call);
        this.stats.recordRequest(true, process.hrtime.bigint() - call.arrivalNs, 0n, call.batchSize);
        return { outputs };
      } catch (err) {
        this.stats.recordRequest(
          false,
          process.hrtime.bigint() - call.arrivalNs,
          0n,
          call.batchSize,
          failureReason(err),
        );
        throw err;
      }
    });
  }

  private async run(call: InferCall): Promise<Map<string, HostTensor>> {
    const tensors = new Map<string, Deferred<HostTensor>>();
    const slot = (name: string): Deferred<HostTensor> => {
      let d = tensors.get(name);
      if (!d) {
        d = deferred<HostTensor>();
        tensors.set(name, d);
      }
      return d;
    };
    for (const [name, t] of call.inputs) slot(name).resolve(t);
    const running = this.steps.map((step) => this.runStep(step, slot, call));
    const wanted = call.outputs.map((name) => slot(name).promise);
    try {
      const results = await Promise.all(wanted);
      const out = new Map<string, HostTensor>();
      call.outputs.forEach((name, i) => out.set(name, { ...(results[i] as HostTensor), name }));
      return out;
    } finally {
      // Steps whose outputs nobody asked for still run to completion before the request ends.
      await Promise.allSettled(running);
    }
  }

  private async runStep(
    step: Step,
    slot: (name: string) => Deferred<HostTensor>,
    call: InferCall,
  ): Promise<void> {
    const produced = step.outputMap.map(([, tensor]) => slot(tensor));
    const failAll = (err: unknown) => {
      for (const d of produced) d.reject(err);
    };
    const inputs = new Map<string, HostTensor>();
    try {
      for (const [modelInput, tensor] of step.inputMap) {
        const value = await slot(tensor).promise;
        inputs.set(modelInput, { ...value, name: modelInput });
      }
    } catch (err) {
      failAll(err); // an upstream step failed; its error already names this ensemble
      return;
    }
    try {
      const servable = this.resolve(step.model, step.version);
      const result = await servable.infer({
        inputs,
        batchSize: call.batchSize,
        outputs: step.outputMap.map(([modelOutput]) => modelOutput),
        arrivalNs: process.hrtime.bigint(),
        requestId: call.requestId,
        signal: call.signal,
      });
      step.outputMap.forEach(([modelOutput, tensor], i) => {
        const value = result.outputs.get(modelOutput);
        if (!value) throw new InternalError(`ensemble step '${step.model}' did not produce '${modelOutput}'`);
        (produced[i] as Deferred<HostTensor>).resolve({ ...value, name: tensor });
      });
    } catch (err) {
      failAll(withMessage(err, messages.inEnsemble(this.name, errorMessage(err))));
    }
  }

  async close(): Promise<void> {
    await this.inflight.idle();
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (err: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Rejections are observed by whoever awaits the tensor; an unused one must not crash the process.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
