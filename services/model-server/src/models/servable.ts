import type { ModelConfig } from '@defect-gateway/proto';
import type { HostTensor } from '../tensor/host-tensor';
import type { ModelSignature } from '../tensor/signature';
import type { ModelStats } from '../stats/model-stats';

export interface InferCall {
  inputs: Map<string, HostTensor>;
  batchSize: number;
  /** Output names to produce (already validated against the signature). */
  outputs: string[];
  /** process.hrtime.bigint() when the request reached the server, for request durations. */
  arrivalNs: bigint;
  /** The client's request id ('' when none), quoted in errors as Triton does. */
  requestId: string;
  /**
   * Aborted when the client cancels the call or its deadline passes: work still queued is dropped (Triton's
   * request cancellation); a batch already running finishes.
   */
  signal?: AbortSignal;
}

export interface InferResult {
  outputs: Map<string, HostTensor>;
}

/** One loaded version of a model that can run inferences: an ONNX model or an ensemble. */
export interface Servable {
  readonly name: string;
  readonly version: number;
  readonly config: ModelConfig;
  readonly signature: ModelSignature;
  readonly stats: ModelStats;
  infer(call: InferCall): Promise<InferResult>;
  /** Lets in-flight requests finish, then frees the version's resources. */
  close(): Promise<void>;
}

/** Counts requests in flight so `close()` can wait for them. */
export class InflightTracker {
  private count = 0;
  private waiters: Array<() => void> = [];

  async track<T>(work: () => Promise<T>): Promise<T> {
    this.count += 1;
    try {
      return await work();
    } finally {
      this.count -= 1;
      if (this.count === 0) {
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w();
      }
    }
  }

  idle(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
