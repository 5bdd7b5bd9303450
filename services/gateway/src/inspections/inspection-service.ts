import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { InputError } from '../domain/errors';
import { readFloat32, type WireTensor } from '../domain/tensor';
import type { Principal } from '../http/auth';
import type { InspectionInput } from '../http/inspection-request';
import type { GatewayMetrics } from '../monitoring/gateway-metrics';
import { decideInspection, itemOutputs, requestedOutputs } from '../postprocess';
import type { ModelContract } from '../routing/contract-types';
import type { InspectionResult } from './inspection-result';
import type { ModelRunner, RunSpec } from './model-runner';

export interface ContractSource {
  get(model: string, version?: string): Promise<ModelContract>;
}

export interface ModelResolver {
  /** The model (and optional pinned version) for a request: the modality's route unless overridden. */
  resolve(request: { modality: unknown; model?: unknown; version?: unknown }): {
    model: string;
    version?: string;
  };
}

export interface ImageSource {
  preprocess(
    bytes: Buffer,
    contract: ModelContract,
  ): Promise<{
    data: Buffer;
    width: number;
    height: number;
    waitMs: number;
    decodeMs: number;
    preprocessMs: number;
  }>;
}

export interface MeasurementSource {
  toInput(measurements: unknown, contract: ModelContract): Buffer;
}

export interface InspectionServiceDeps {
  resolver: ModelResolver;
  contracts: ContractSource;
  images: ImageSource;
  measurements: MeasurementSource;
  runner: ModelRunner;
  metrics: GatewayMetrics;
  log: Logger;
  requestTimeoutMs: number;
}

/**
 * One inspection: route → model contract (from Triton's config) → preprocess as the model was trained → dynamic
 * batch → Triton → calibrated decision. Everything model-specific comes from the contract.
 */
export class InspectionService {
  constructor(private readonly deps: InspectionServiceDeps) {}

  async inspect(
    input: InspectionInput,
    ctx: { principal: Principal; requestId: string },
  ): Promise<InspectionResult> {
    const started = performance.now();
    const receivedAt = new Date();
    const deadline = Date.now() + this.deps.requestTimeoutMs;
    const route = this.deps.resolver.resolve({
      modality: input.modality,
      model: input.model,
      version: input.version,
    });
    const contract = await this.deps.contracts.get(route.model, route.version);
    if (contract.modality !== input.modality) {
      throw new InputError(
        `model '${contract.model}' takes ${contract.modality} input, not ${input.modality}`,
      );
    }

    let item: Buffer;
    let decodeMs = 0;
    let preprocessMs = 0;
    let decodeWaitMs = 0;
    let source: { width: number; height: number } | undefined;
    if (contract.image) {
      if (!input.image) throw new InputError(`modality '${input.modality}' needs an 'image' file`);
      const pre = await this.deps.images.preprocess(input.image.bytes, contract);
      ({ decodeMs, preprocessMs } = pre);
      decodeWaitMs = pre.waitMs;
      item = pre.data;
      source = { width: pre.width, height: pre.height };
    } else {
      if (input.measurements === undefined)
        throw new InputError(`modality '${input.modality}' needs 'measurements'`);
      const t = performance.now();
      item = this.deps.measurements.toInput(input.measurements, contract);
      preprocessMs = performance.now() - t;
    }

    const ran = await this.deps.runner.run(runSpec(contract, route.version), item, deadline);
    const t = performance.now();
    const outcome = decideInspection(contract, itemOutputs(contract, floatOutputs(ran.outputs), 0), source);
    const postprocessMs = performance.now() - t;

    const result: InspectionResult = {
      inspectionId: randomUUID(),
      requestId: ctx.requestId,
      decision: outcome.decision,
      defects: outcome.defects,
      scores: outcome.scores,
      model: { name: contract.model, version: ran.version },
      modality: contract.modality,
      stationId: input.stationId,
      lotId: input.lotId ?? null,
      partId: input.partId ?? null,
      receivedAt: receivedAt.toISOString(),
      timings: {
        decodeMs: round(decodeMs),
        preprocessMs: round(preprocessMs),
        // Waiting for a decode slot and waiting in the batch queue are both queueing.
        queueMs: round(decodeWaitMs + ran.queueMs),
        inferMs: round(ran.inferMs),
        postprocessMs: round(postprocessMs),
        totalMs: round(performance.now() - started),
      },
      batchSize: ran.batchSize,
    };
    this.record(result);
    return result;
  }

  private record(r: InspectionResult): void {
    const m = this.deps.metrics;
    const model = r.model.name;
    m.decisions.inc({ model, version: r.model.version, decision: r.decision });
    for (const [stage, ms] of Object.entries(r.timings)) {
      if (stage !== 'totalMs') m.stageDuration.observe({ model, stage: stage.replace(/Ms$/, '') }, ms);
    }
    this.deps.log.debug(
      {
        inspectionId: r.inspectionId,
        requestId: r.requestId,
        station: r.stationId,
        model,
        decision: r.decision,
      },
      'inspection decided',
    );
  }
}

function runSpec(contract: ModelContract, version: string | undefined): RunSpec {
  const outputs = requestedOutputs(contract);
  return {
    model: contract.model,
    version,
    inputName: contract.input.name,
    datatype: contract.input.datatype,
    dims: contract.input.dims,
    outputs: [...new Set(outputs)],
    maxBatchSize: contract.maxBatchSize,
  };
}

function floatOutputs(outputs: Map<string, WireTensor>): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, t] of outputs) if (t.datatype === 'FP32') out.set(name, readFloat32(t));
  return out;
}

const round = (ms: number): number => Math.round(ms * 100) / 100;
