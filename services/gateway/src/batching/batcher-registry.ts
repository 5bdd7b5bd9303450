import { UnavailableError } from '../domain/errors';
import type { BatcherStats, DynamicBatcher } from './dynamic-batcher';

/** Which queue a request belongs to: batches never mix models or versions. */
export interface BatcherKey {
  readonly model: string;
  readonly version: string;
}

export interface BatcherSnapshot extends BatcherKey {
  readonly stats: BatcherStats;
}

/** Builds the batcher of one (model, version), typically from that model's config in Triton. */
export type BatcherFactory<I, O> = (key: BatcherKey) => DynamicBatcher<I, O>;

/**
 * One batcher per (model, version), created on first use. `retire` drains and forgets one (model unloaded or
 * version rolled back); `drainAll` is the shutdown step, after which no batcher is handed out any more.
 */
export class BatcherRegistry<I, O> {
  private readonly batchers = new Map<string, Map<string, DynamicBatcher<I, O>>>();
  private closed = false;

  constructor(private readonly factory: BatcherFactory<I, O>) {}

  /** The batcher for this key, created by the factory on first use. */
  get(model: string, version: string): DynamicBatcher<I, O> {
    const existing = this.batchers.get(model)?.get(version);
    if (existing !== undefined) return existing;
    if (this.closed) throw new UnavailableError('inference batching is shutting down');
    const created = this.factory({ model, version });
    let versions = this.batchers.get(model);
    if (versions === undefined) {
      versions = new Map();
      this.batchers.set(model, versions);
    }
    versions.set(version, created);
    return created;
  }

  /** Drains the batcher of this key, if any, and removes it; the next `get` builds a fresh one. */
  async retire(model: string, version: string): Promise<void> {
    const versions = this.batchers.get(model);
    const batcher = versions?.get(version);
    if (versions === undefined || batcher === undefined) return;
    versions.delete(version);
    if (versions.size === 0) this.batchers.delete(model);
    await batcher.drain();
  }

  /** Refuses new batchers and drains every existing one concurrently. */
  async drainAll(): Promise<void> {
    this.closed = true;
    const draining: Promise<void>[] = [];
    for (const versions of this.batchers.values()) {
      for (const batcher of versions.values()) draining.push(batcher.drain());
    }
    await Promise.all(draining);
  }

  /** Current statistics of every batcher, for metrics, ordered by model then version. */
  snapshot(): BatcherSnapshot[] {
    const rows: BatcherSnapshot[] = [];
    for (const [model, versions] of this.batchers) {
      for (const [version, batcher] of versions) rows.push({ model, version, stats: batcher.stats() });
    }
    return rows.sort((x, y) =>
      x.model === y.model
        ? x.version.localeCompare(y.version, 'en', { numeric: true })
        : x.model.localeCompare(y.model),
    );
  }
}
