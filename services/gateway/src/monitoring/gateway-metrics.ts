import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FieldAccuracyGaugeSource } from '../quality/field-accuracy-gauges';

/** Drift per model, read on every scrape (drift/DriftMonitor implements it). */
export interface DriftGaugeSource {
  gaugeReadings(): Array<{ model: string; items: number; psi: Array<{ signal: string; value: number }> }>;
}

const MS_BUCKETS = [0.5, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 1000, 2000, 5000];

/** The gateway's Prometheus metrics (prefix `gateway_`), registered in one registry served on /metrics. */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'gateway_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'gateway_http_request_duration_ms',
    help: 'HTTP request duration in ms',
    labelNames: ['method', 'route'],
    buckets: MS_BUCKETS,
    registers: [this.registry],
  });
  readonly stageDuration = new Histogram({
    name: 'gateway_inspection_stage_duration_ms',
    help: 'Time per inspection stage (decode, preprocess, queue, infer, postprocess) in ms',
    labelNames: ['model', 'stage'],
    buckets: MS_BUCKETS,
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'gateway_batch_size',
    help: 'Items per batch sent to Triton',
    labelNames: ['model'],
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [this.registry],
  });
  readonly decisions = new Counter({
    name: 'gateway_decisions_total',
    help: 'Inspection decisions by model, version and decision',
    labelNames: ['model', 'version', 'decision'],
    registers: [this.registry],
  });

  /** Set on scrape from the drift monitor: absent until a window holds enough decisions for a PSI. */
  readonly driftPsi = new Gauge({
    name: 'gateway_drift_psi',
    help: 'Population stability index of the recent window against the model config reference, by signal (defect_probability, pixel_mean, pixel_std)',
    labelNames: ['model', 'signal'],
    registers: [this.registry],
    collect: () => {
      this.driftPsi.reset();
      for (const r of this.drift?.gaugeReadings() ?? []) {
        for (const { signal, value } of r.psi) this.driftPsi.set({ model: r.model, signal }, value);
      }
    },
  });
  readonly driftWindowItems = new Gauge({
    name: 'gateway_drift_window_items',
    help: 'Decisions in the drift window of the model version that served last',
    labelNames: ['model'],
    registers: [this.registry],
    collect: () => {
      this.driftWindowItems.reset();
      for (const r of this.drift?.gaugeReadings() ?? [])
        this.driftWindowItems.set({ model: r.model }, r.items);
    },
  });

  /** Set on scrape from the field-accuracy readings (refreshed in the background from people's labels). */
  readonly fieldLabelled = new Gauge({
    name: 'gateway_field_labelled',
    help: 'Decisions of the field-accuracy window that people labelled, by model, version and kind (good, defect)',
    labelNames: ['model', 'version', 'kind'],
    registers: [this.registry],
    collect: () => {
      this.fieldLabelled.reset();
      for (const r of this.fieldAccuracy?.fieldAccuracyReadings() ?? []) {
        this.fieldLabelled.set({ model: r.model, version: r.version, kind: 'good' }, r.good);
        this.fieldLabelled.set({ model: r.model, version: r.version, kind: 'defect' }, r.defects);
      }
    },
  });
  readonly fieldEscapeRate = new Gauge({
    name: 'gateway_field_escape_rate',
    help: 'Share of the labelled defects of the field-accuracy window that were decided pass (absent without any)',
    labelNames: ['model', 'version'],
    registers: [this.registry],
    collect: () => {
      this.fieldEscapeRate.reset();
      for (const r of this.fieldAccuracy?.fieldAccuracyReadings() ?? [])
        if (r.escapeRate !== null)
          this.fieldEscapeRate.set({ model: r.model, version: r.version }, r.escapeRate);
    },
  });
  readonly fieldFalseRejectRate = new Gauge({
    name: 'gateway_field_false_reject_rate',
    help: 'Share of the labelled good items of the field-accuracy window that were decided fail (absent without any)',
    labelNames: ['model', 'version'],
    registers: [this.registry],
    collect: () => {
      this.fieldFalseRejectRate.reset();
      for (const r of this.fieldAccuracy?.fieldAccuracyReadings() ?? [])
        if (r.falseRejectRate !== null)
          this.fieldFalseRejectRate.set({ model: r.model, version: r.version }, r.falseRejectRate);
    },
  });

  readonly reviewsOpen = new Gauge({
    name: 'gateway_reviews_open',
    help: 'Review decisions nobody has labelled yet (the review queue), by routed model',
    labelNames: ['model'],
    registers: [this.registry],
    collect: () => {
      this.reviewsOpen.reset();
      for (const r of this.fieldAccuracy?.openReviewReadings() ?? [])
        this.reviewsOpen.set({ model: r.model }, r.open);
    },
  });

  /**
   * `drift`: the monitor behind the drift gauges; `fieldAccuracy`: the readings behind the field-accuracy gauges
   * (none: they stay empty).
   */
  constructor(
    private readonly drift?: DriftGaugeSource,
    private readonly fieldAccuracy?: FieldAccuracyGaugeSource,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'gateway_' });
  }
}
