import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import * as os from 'node:os';
import type { ExecutionRecord, FailureReason, StatsObserver } from './model-stats';

const LABELS = ['model', 'version'] as const;
const us = (ns: bigint): number => Number(ns / 1000n);

/**
 * Prometheus metrics with Triton's names and labels (`model`, `version`), so dashboards built for Triton work
 * unchanged. Durations are cumulative microsecond counters, as Triton exports them.
 */
export class PrometheusMetrics implements StatsObserver {
  readonly registry = new Registry();
  private readonly success: Counter;
  private readonly failure: Counter;
  private readonly inferCount: Counter;
  private readonly execCount: Counter;
  private readonly requestDuration: Counter;
  private readonly queueDuration: Counter;
  private readonly computeInput: Counter;
  private readonly computeInfer: Counter;
  private readonly computeOutput: Counter;
  readonly pending: Gauge;

  constructor(pendingRequests: () => Array<{ model: string; version: string; count: number }>) {
    const counter = (name: string, help: string, labels: readonly string[] = LABELS): Counter =>
      new Counter({ name, help, labelNames: labels, registers: [this.registry] });
    this.success = counter(
      'nv_inference_request_success',
      'Number of successful inference requests, all batch sizes',
    );
    this.failure = counter(
      'nv_inference_request_failure',
      'Number of failed inference requests, all batch sizes',
      [...LABELS, 'reason'],
    );
    this.inferCount = counter('nv_inference_count', 'Number of inferences performed (batch items)');
    this.execCount = counter('nv_inference_exec_count', 'Number of model executions performed');
    this.requestDuration = counter(
      'nv_inference_request_duration_us',
      'Cumulative inference request duration in us',
    );
    this.queueDuration = counter(
      'nv_inference_queue_duration_us',
      'Cumulative inference queuing duration in us',
    );
    this.computeInput = counter(
      'nv_inference_compute_input_duration_us',
      'Cumulative compute input duration in us',
    );
    this.computeInfer = counter(
      'nv_inference_compute_infer_duration_us',
      'Cumulative compute inference duration in us',
    );
    this.computeOutput = counter(
      'nv_inference_compute_output_duration_us',
      'Cumulative inference compute output duration in us',
    );
    this.pending = new Gauge({
      name: 'nv_inference_pending_request_count',
      help: 'Instantaneous number of pending requests awaiting execution per-model.',
      labelNames: LABELS,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const p of pendingRequests()) this.set({ model: p.model, version: p.version }, p.count);
      },
    });
    new Gauge({
      name: 'nv_cpu_memory_total_bytes',
      help: 'CPU total memory (RAM), in bytes',
      registers: [this.registry],
      collect() {
        this.set(os.totalmem());
      },
    });
    new Gauge({
      name: 'nv_cpu_memory_used_bytes',
      help: 'CPU used memory (RAM), in bytes',
      registers: [this.registry],
      collect() {
        this.set(os.totalmem() - os.freemem());
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'model_server_' });
  }

  requestDone(
    model: string,
    version: string,
    ok: boolean,
    durationNs: bigint,
    queueNs: bigint,
    items: number,
    reason: FailureReason = 'OTHER',
  ): void {
    if (ok) {
      this.success.inc({ model, version });
      this.inferCount.inc({ model, version }, items);
      this.requestDuration.inc({ model, version }, us(durationNs));
      this.queueDuration.inc({ model, version }, us(queueNs));
    } else {
      this.failure.inc({ model, version, reason });
    }
  }

  requestComputed(model: string, version: string, inputNs: bigint, inferNs: bigint, outputNs: bigint): void {
    this.computeInput.inc({ model, version }, us(inputNs));
    this.computeInfer.inc({ model, version }, us(inferNs));
    this.computeOutput.inc({ model, version }, us(outputNs));
  }

  executionDone(model: string, version: string, _rec: ExecutionRecord): void {
    this.execCount.inc({ model, version });
  }
}
