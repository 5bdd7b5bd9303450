import type { ModelConfig } from '@defect-gateway/proto';
import { OnnxInstances } from '../onnx/onnx-instances';
import { BatchScheduler, type SchedulerPolicy } from '../scheduling/batch-scheduler';
import { ModelStats, failureReason, type StatsObserver } from '../stats/model-stats';
import type { ModelSignature } from '../tensor/signature';
import { buildSignature, intParameter } from './model-signature';
import { InflightTracker, type InferCall, type InferResult, type Servable } from './servable';

export interface OnnxModelSource {
  config: ModelConfig;
  version: number;
  modelFile: string;
  labels: ReadonlyMap<string, string[]>;
}

/** A version of an ONNX model: its sessions (one per instance) behind Triton's scheduler. */
export class OnnxModel implements Servable {
  private readonly inflight = new InflightTracker();

  private constructor(
    readonly name: string,
    readonly version: number,
    readonly config: ModelConfig,
    readonly signature: ModelSignature,
    readonly stats: ModelStats,
    private readonly instances: OnnxInstances,
    private readonly scheduler: BatchScheduler,
  ) {}

  static async load(source: OnnxModelSource, observer?: StatsObserver): Promise<OnnxModel> {
    const { config, version } = source;
    const signature = buildSignature(config, source.labels);
    const count = config.instance_group.reduce((sum, g) => sum + Math.max(1, g.count), 0) || 1;
    const instances = await OnnxInstances.create(signature, {
      modelFile: source.modelFile,
      count,
      intraOpThreads: intParameter(config, 'intra_op_thread_count', 1),
      interOpThreads: intParameter(config, 'inter_op_thread_count', 1),
    });
    const stats = new ModelStats(config.name, String(version), observer);
    const scheduler = new BatchScheduler(instances, schedulerPolicy(config), stats);
    return new OnnxModel(config.name, version, config, signature, stats, instances, scheduler);
  }

  get queueDepth(): number {
    return this.scheduler.depth;
  }

  infer(call: InferCall): Promise<InferResult> {
    return this.inflight.track(async () => {
      let queueNs = 0n;
      try {
        const result = await this.scheduler.enqueue({
          inputs: call.inputs,
          batchSize: call.batchSize,
          outputs: call.outputs,
          requestId: call.requestId,
          signal: call.signal,
        });
        queueNs = result.queueNs;
        this.stats.recordRequest(true, process.hrtime.bigint() - call.arrivalNs, queueNs, call.batchSize);
        return { outputs: result.outputs };
      } catch (err) {
        this.stats.recordRequest(
          false,
          process.hrtime.bigint() - call.arrivalNs,
          queueNs,
          call.batchSize,
          failureReason(err),
        );
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    await this.inflight.idle();
    await this.scheduler.drain();
    await this.instances.release();
  }
}

export function schedulerPolicy(config: ModelConfig): SchedulerPolicy {
  const db = config.dynamic_batching;
  const batching = config.max_batch_size > 0 && db !== undefined && db !== null;
  const queuePolicy = db?.default_queue_policy;
  const rejectOnTimeout = queuePolicy?.timeout_action !== 'DELAY';
  return {
    maxBatchSize: config.max_batch_size,
    dynamic: batching,
    preferredBatchSizes: batching ? (db?.preferred_batch_size ?? []).map(Number) : [],
    maxQueueDelayNs: BigInt(batching ? Number(db?.max_queue_delay_microseconds ?? 0) : 0) * 1000n,
    maxQueueSize: Number(queuePolicy?.max_queue_size ?? 0),
    queueTimeoutNs: rejectOnTimeout
      ? BigInt(Number(queuePolicy?.default_timeout_microseconds ?? 0)) * 1000n
      : 0n,
  };
}
