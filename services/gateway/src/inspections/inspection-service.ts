import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { InputError, InternalError } from '../domain/errors';
import { once } from '../domain/idempotent';
import { readFloat32, type WireTensor } from '../domain/tensor';
import type { Principal } from '../http/auth';
import type { InspectionInput } from '../http/inspection-request';
import type { GatewayMetrics } from '../monitoring/gateway-metrics';
import { decideInspection, itemOutputs, requestedOutputs } from '../postprocess';
import type { Values } from '../postprocess/decision-types';
import { heatmapPng } from '../preprocess';
import { pixelMoments, type PixelMoments } from '../drift/pixel-moments';
import type { ModelContract } from '../routing/contract-types';
import { ModelContractError } from '../routing/model-contract-error';
import type { InspectionResult } from './inspection-result';
import type { ModelRunner, RunSpec } from './model-runner';
import type { InspectionRecord } from '../records';

export interface ContractSource {
  get(model: string, version?: string): Promise<ModelContract>;
}

export interface ModelResolver {
  /** The model (and optional pinned version) for a request: the modality's route unless overridden. */
  resolve(request: {
    modality: unknown;
    model?: unknown;
    version?: unknown;
    /** For A/B splits by station or lot. */
    stationId?: string;
    lotId?: string;
  }): {
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

/** A decided inspection with the facts the audit trail keeps about it. */
export interface DecidedInspection {
  result: InspectionResult;
  /**
   * The exact bytes inspected, kept in the object store under their SHA-256: the image as uploaded, or the
   * measurements as the JSON text the digest is taken of (so an electrical decision can be re-run too).
   */
  input: Buffer | undefined;
  inputSha256: string;
  contentType: string;
  configHash: string;
  preprocessing: Record<string, unknown>;
  thresholds: Record<string, unknown>;
  rawScores: Record<string, number[]>;
  /** The calibrated defect probability the decision was taken on (recorded, for drift across replicas). */
  defectProbability?: number;
  /** Image models: mean and standard deviation of the pixel tensor the model was given (recorded, for drift). */
  pixels?: PixelMoments;
}

/** Stores the inspected input and records the decision (decision + audit + outbox in one transaction). */
export interface DecisionSink {
  /**
   * With an Idempotency-Key, throws DuplicateIdempotencyKeyError when the principal already recorded a decision
   * under it (nothing of this one is recorded then).
   */
  record(
    decided: DecidedInspection,
    ctx: { principal: Principal; jobId: string | null; idempotencyKey?: string },
  ): Promise<void>;
  /** The decision the principal recorded under an Idempotency-Key, if any. */
  recordedUnderKey(principal: Principal, key: string): Promise<InspectionRecord | undefined>;
}

/** What `inspect` answers: the decision, and whether it is an earlier request's, answered again. */
export interface InspectionOutcome {
  result: InspectionResult;
  /** True when an earlier request with the same Idempotency-Key was decided and recorded; its decision is returned. */
  replayed: boolean;
}

/**
 * Drift monitoring: sees every decision's defect probability and the tensor the model was given (with its pixel
 * moments when the caller has them already).
 */
export interface DriftObserver {
  observe(
    contract: ModelContract,
    version: string,
    defectProbability: number,
    input: Uint8Array,
    pixels?: PixelMoments,
  ): void;
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
  /** Records every decision before it is returned; absent only in tests of the inference path alone. */
  sink?: DecisionSink;
  /** Fed every decision (online and batch-job items alike); absent = no drift monitoring. */
  drift?: DriftObserver;
}

/** One item ready for the batcher, with the time its preparation took. */
interface PreparedItem {
  item: Buffer;
  decodeMs: number;
  preprocessMs: number;
  decodeWaitMs: number;
  /** Source image size, for regions in source pixels; undefined for measurements. */
  source: { width: number; height: number } | undefined;
}

/**
 * One inspection: route → model contract (from Triton's config) → preprocess as the model was trained → dynamic
 * batch → Triton → calibrated decision. Everything model-specific comes from the contract.
 */
export class InspectionService {
  constructor(private readonly deps: InspectionServiceDeps) {}

  /**
   * The online path: decide, then store the inspected bytes and record decision + audit + events (one
   * transaction) before answering. A decision that cannot be recorded is not returned (503 from the sink).
   *
   * With an Idempotency-Key the principal already recorded a decision under, that decision is answered again
   * (nothing new is decided or recorded), provided the request is the same one: same input bytes, modality,
   * station, lot and part, else IdempotencyKeyReusedError. Two such requests at once: both are decided, the first
   * to commit is recorded and the other answers with its decision.
   */
  async inspect(
    input: InspectionInput,
    ctx: { principal: Principal; requestId: string; idempotencyKey?: string },
  ): Promise<InspectionOutcome> {
    const sink = this.deps.sink;
    let digest: string | undefined;
    const inputSha256 = () => (digest ??= sha256(inspectedBytes(input)));
    const { value: result, replayed } = await once<InspectionRecord, InspectionResult>({
      key: sink ? ctx.idempotencyKey : undefined,
      what: 'inspection',
      earlier: async (key) => sink?.recordedUnderKey(ctx.principal, key),
      differences: (earlier) => differences(earlier, input, inputSha256()),
      describe: (earlier) => ({ inspectionId: earlier.id }),
      create: () => this.decideAndRecord(input, ctx),
      replay: resultOf,
    });
    if (replayed) {
      this.deps.log.info(
        { inspectionId: result.inspectionId, station: result.stationId, idempotencyKey: ctx.idempotencyKey },
        'inspection answered again from its record (same Idempotency-Key)',
      );
    }
    return { result, replayed };
  }

  /** Decides, then records (with the request's Idempotency-Key, if any) before answering. */
  private async decideAndRecord(
    input: InspectionInput,
    ctx: { principal: Principal; requestId: string; idempotencyKey?: string },
  ): Promise<InspectionResult> {
    const decided = await this.decide(input, ctx);
    if (this.deps.sink) {
      const t = performance.now();
      const key = ctx.idempotencyKey;
      await this.deps.sink.record(decided, {
        principal: ctx.principal,
        jobId: null,
        ...(key === undefined ? {} : { idempotencyKey: key }),
      });
      decided.result.timings.recordMs = round(performance.now() - t);
      decided.result.timings.totalMs = round(
        decided.result.timings.totalMs + decided.result.timings.recordMs,
      );
    }
    this.observe(decided.result);
    return decided.result;
  }

  /**
   * The route's contract. A model the caller named whose config is no inspection contract (an ensemble's
   * component, say) is the caller's mistake: 400. On the modality's own route it stays a configuration error.
   */
  private async contractFor(
    route: { model: string; version?: string },
    requested: unknown,
  ): Promise<ModelContract> {
    try {
      return await this.deps.contracts.get(route.model, route.version);
    } catch (err) {
      if (!(err instanceof ModelContractError) || typeof requested !== 'string' || requested === '')
        throw err;
      throw new InputError(
        `model '${route.model}' cannot serve inspections: its config is not a complete gateway contract ` +
          '(is it a component of an ensemble?); name an ensemble, or leave model out for the modality default',
        { cause: err, details: { model: route.model, contractKeys: err.keys } },
      );
    }
  }

  /** Routing, preprocessing, inference and postprocessing of one item, without recording it. */
  async decide(
    input: InspectionInput,
    ctx: { requestId: string; /** false: a replay, kept out of the drift window. */ observeDrift?: boolean },
  ): Promise<DecidedInspection> {
    const started = performance.now();
    const receivedAt = new Date();
    const deadline = Date.now() + this.deps.requestTimeoutMs;
    const route = this.deps.resolver.resolve({
      modality: input.modality,
      model: input.model,
      version: input.version,
      stationId: input.stationId,
      ...(input.lotId === undefined ? {} : { lotId: input.lotId }),
    });
    const contract = await this.contractFor(route, input.model);
    if (contract.modality !== input.modality) {
      throw new InputError(
        `model '${contract.model}' takes ${contract.modality} input, not ${input.modality}`,
      );
    }

    // Refused now if the batcher would refuse it after decoding: keeps the CPU for requests that can be served.
    const giveBack = this.deps.runner.admit(runSpec(contract, route.version), deadline);
    let prepared: PreparedItem;
    try {
      prepared = await this.prepare(input, contract);
    } catch (err) {
      giveBack(); // bad input: its place in the batcher's estimate is free again
      throw err;
    }
    const { item, decodeMs, preprocessMs, decodeWaitMs, source } = prepared;

    const ran = await this.deps.runner.run(runSpec(contract, route.version), item, deadline);
    const t = performance.now();
    const outputs = itemOutputs(contract, floatOutputs(ran.outputs), 0);
    const outcome = decideInspection(contract, outputs, source);
    const heatmap = input.heatmap ? await heatmapOf(contract, outputs.heatmap) : undefined;
    const postprocessMs = performance.now() - t;
    const pixels = imagePixels(contract, item);
    if (ctx.observeDrift !== false)
      this.deps.drift?.observe(contract, ran.version, outcome.defectProbability, item, pixels);

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
      ...(heatmap === undefined ? {} : { heatmap }),
    };
    const inspected = inspectedBytes(input);
    return {
      result,
      input: inspected,
      inputSha256: sha256(inspected),
      contentType: input.image ? 'image' : 'application/json',
      configHash: contract.configHash,
      preprocessing: contract.preprocessingSpec,
      thresholds: {
        review: contract.reviewThreshold,
        fail: contract.failThreshold,
        perClass: contract.thresholds,
      },
      rawScores: rawScores(contract, ran.outputs),
      defectProbability: outcome.defectProbability,
      ...(pixels === undefined ? {} : { pixels }),
    };
  }

  /** Decodes and resizes an image, or checks and packs measurements, the way the model's contract asks. */
  private async prepare(input: InspectionInput, contract: ModelContract): Promise<PreparedItem> {
    if (contract.image) {
      if (!input.image) throw new InputError(`modality '${input.modality}' needs an 'image' file`);
      const pre = await this.deps.images.preprocess(input.image.bytes, contract);
      return {
        item: pre.data,
        decodeMs: pre.decodeMs,
        preprocessMs: pre.preprocessMs,
        decodeWaitMs: pre.waitMs,
        source: { width: pre.width, height: pre.height },
      };
    }
    if (input.measurements === undefined)
      throw new InputError(`modality '${input.modality}' needs 'measurements'`);
    const t = performance.now();
    const item = this.deps.measurements.toInput(input.measurements, contract);
    return { item, decodeMs: 0, preprocessMs: performance.now() - t, decodeWaitMs: 0, source: undefined };
  }

  private observe(r: InspectionResult): void {
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

/** The heatmap for the response: a PNG data URL, or null for a model without one. */
async function heatmapOf(
  contract: ModelContract,
  values: Values | undefined,
): Promise<InspectionResult['heatmap']> {
  const spec = contract.outputs.heatmap;
  if (!spec || values === undefined) return null;
  const png = await heatmapPng(values, spec.width, spec.height);
  return {
    width: spec.width,
    height: spec.height,
    threshold: contract.localization?.threshold ?? null,
    png: `data:image/png;base64,${png.toString('base64')}`,
  };
}

/**
 * Mean and population standard deviation of an image model's UINT8 tensor, as the drift reference has them;
 * undefined for other models.
 */
function imagePixels(contract: ModelContract, item: Uint8Array): PixelMoments | undefined {
  if (contract.image === undefined || contract.input.datatype !== 'UINT8' || item.length === 0)
    return undefined;
  const out = new Float64Array(2);
  pixelMoments(item, out);
  return { mean: out[0]!, std: out[1]! };
}

/** Exactly what was inspected: the image bytes, or the measurements as JSON text. */
export function inspectedBytes(input: InspectionInput): Buffer {
  return input.image ? input.image.bytes : Buffer.from(JSON.stringify(input.measurements ?? null));
}

/** The model's outputs before postprocessing, for the audit trail (heatmaps are summarized by the region). */
function rawScores(contract: ModelContract, outputs: Map<string, WireTensor>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  const o = contract.outputs;
  for (const ref of [o.classScores, o.defectProbability, o.anomalyScore, ...(o.members ?? [])]) {
    const t = ref ? outputs.get(ref.name) : undefined;
    if (t && t.datatype === 'FP32') out[t.name] = Array.from(readFloat32(t));
  }
  return out;
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

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** What of a repeated request differs from the one its Idempotency-Key was first used for. */
function differences(earlier: InspectionRecord, input: InspectionInput, inputSha256: string): string[] {
  const out: string[] = [];
  if (earlier.inputSha256 !== inputSha256) out.push(input.image ? 'image' : 'measurements');
  if (earlier.modality !== input.modality) out.push('modality');
  if (earlier.stationId !== input.stationId) out.push('stationId');
  if (earlier.lotId !== (input.lotId ?? null)) out.push('lotId');
  if (earlier.partId !== (input.partId ?? null)) out.push('partId');
  return out;
}

/**
 * A recorded decision as `POST /v1/inspections` answered it: the same ids, decision, scores, model and timings
 * (without `recordMs`, measured after the row was written). A heatmap is not recorded, so none is returned.
 */
function resultOf(r: InspectionRecord): InspectionResult {
  if (r.batchSize === undefined)
    throw new InternalError(
      `inspection ${r.id} was recorded without its batch size and cannot be answered again`,
    );
  return {
    inspectionId: r.id,
    requestId: r.requestId,
    decision: r.decision,
    defects: [...r.defects],
    scores: { ...r.scores },
    model: { name: r.model.name, version: r.model.version },
    modality: r.modality,
    stationId: r.stationId,
    lotId: r.lotId,
    partId: r.partId,
    receivedAt: r.receivedAt ?? r.createdAt.toISOString(),
    timings: { ...(r.timings as InspectionResult['timings']) },
    batchSize: r.batchSize,
  };
}
