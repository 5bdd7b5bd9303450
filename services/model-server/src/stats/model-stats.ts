import { hasKind } from '../errors';

/** A count and a total duration in nanoseconds, as Triton's StatisticDuration. */
export interface Duration {
  count: number;
  ns: bigint;
}

export interface BatchStats {
  batchSize: number;
  computeInput: Duration;
  computeInfer: Duration;
  computeOutput: Duration;
}

export interface ExecutionRecord {
  batchSize: number;
  computeInputNs: bigint;
  computeInferNs: bigint;
  computeOutputNs: bigint;
}

/** Why a request failed, with the values of Triton's `reason` label on `nv_inference_request_failure`. */
export type FailureReason = 'REJECTED' | 'CANCELED' | 'BACKEND' | 'OTHER';

/**
 * The failure reason of a request's error: refused by the queue (full, timed out) is REJECTED, cancelled by the
 * client or its deadline is CANCELED, an error of the model's execution is BACKEND, anything else OTHER.
 */
export function failureReason(err: unknown): FailureReason {
  if (hasKind(err, 'cancelled')) return 'CANCELED';
  if (hasKind(err, 'unavailable')) return 'REJECTED';
  if (hasKind(err, 'internal')) return 'BACKEND';
  return 'OTHER';
}

/** Receives every recorded event, for example to mirror them into Prometheus metrics. */
export interface StatsObserver {
  requestDone(
    model: string,
    version: string,
    ok: boolean,
    durationNs: bigint,
    queueNs: bigint,
    items: number,
    reason?: FailureReason,
  ): void;
  executionDone(model: string, version: string, rec: ExecutionRecord): void;
  requestComputed(
    model: string,
    version: string,
    computeInputNs: bigint,
    inferNs: bigint,
    outputNs: bigint,
  ): void;
}

const zero = (): Duration => ({ count: 0, ns: 0n });

/**
 * Per model-version statistics with the meaning Triton gives them: request-level durations (success, fail,
 * queue, compute_*) count requests; `inference_count` counts batch items; `execution_count` counts runs.
 */
export class ModelStats {
  lastInferenceMs = 0;
  inferenceCount = 0;
  executionCount = 0;
  readonly success = zero();
  readonly fail = zero();
  readonly queue = zero();
  readonly computeInput = zero();
  readonly computeInfer = zero();
  readonly computeOutput = zero();
  readonly batches = new Map<number, BatchStats>();

  constructor(
    readonly model: string,
    readonly version: string,
    private readonly observer?: StatsObserver,
  ) {}

  /** One request finished (successfully or not), with its end-to-end and queue durations. */
  recordRequest(
    ok: boolean,
    durationNs: bigint,
    queueNs: bigint,
    items: number,
    reason?: FailureReason,
  ): void {
    const target = ok ? this.success : this.fail;
    target.count += 1;
    target.ns += durationNs;
    if (ok) {
      this.queue.count += 1;
      this.queue.ns += queueNs;
      this.inferenceCount += items;
      this.lastInferenceMs = Date.now();
    }
    this.observer?.requestDone(this.model, this.version, ok, durationNs, queueNs, items, reason);
  }

  /** A request's share of the compute durations of the execution it took part in. */
  recordRequestCompute(inputNs: bigint, inferNs: bigint, outputNs: bigint): void {
    add(this.computeInput, inputNs);
    add(this.computeInfer, inferNs);
    add(this.computeOutput, outputNs);
    this.observer?.requestComputed(this.model, this.version, inputNs, inferNs, outputNs);
  }

  /** One execution of the model (one batch). */
  recordExecution(rec: ExecutionRecord): void {
    this.executionCount += 1;
    let b = this.batches.get(rec.batchSize);
    if (!b) {
      b = { batchSize: rec.batchSize, computeInput: zero(), computeInfer: zero(), computeOutput: zero() };
      this.batches.set(rec.batchSize, b);
    }
    add(b.computeInput, rec.computeInputNs);
    add(b.computeInfer, rec.computeInferNs);
    add(b.computeOutput, rec.computeOutputNs);
    this.observer?.executionDone(this.model, this.version, rec);
  }
}

function add(d: Duration, ns: bigint): void {
  d.count += 1;
  d.ns += ns;
}
