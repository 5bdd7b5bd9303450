import { Counter, Gauge, type Registry } from 'prom-client';

/** What the relay reports; `registerOutboxRelayMetrics` binds it to Prometheus. */
export interface OutboxRelayMetrics {
  /** Events acknowledged by the broker and marked published. */
  published(topic: string, count: number): void;
  /** An attempt failed: broker unreachable, broker refused the events, or the outbox itself failed. */
  failed(kind: 'unavailable' | 'rejected' | 'outbox'): void;
  /** Events the broker refuses, set aside until restart (they stay unpublished in the outbox). */
  parked(count: number): void;
}

export interface OutboxGaugeSources {
  /** The relay's own view of its lag (oldest event in the batch it holds); 0 when caught up. */
  relayLagMs?: () => number;
  /** Creation time of the oldest unpublished outbox row (PostgresOutboxSource.oldestUnpublishedAt). */
  oldestUnpublishedAt?: () => Promise<Date | null>;
}

/**
 * Prometheus metrics of the event relay, registered in the gateway's registry:
 * `gateway_events_published_total{topic}`, `gateway_events_publish_failures_total{kind}`,
 * `gateway_events_parked_total` and `gateway_outbox_lag_seconds` (age of the oldest unpublished event, read
 * at scrape time; it grows while Kafka is down and returns to 0 once the backlog is delivered).
 */
export function registerOutboxRelayMetrics(
  registry: Registry,
  sources: OutboxGaugeSources = {},
): OutboxRelayMetrics {
  const published = new Counter({
    name: 'gateway_events_published_total',
    help: 'Events acknowledged by Kafka and marked published in the outbox',
    labelNames: ['topic'],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'gateway_events_publish_failures_total',
    help: 'Failed relay attempts: unavailable (broker unreachable), rejected (broker refused), outbox (database)',
    labelNames: ['kind'],
    registers: [registry],
  });
  const parked = new Counter({
    name: 'gateway_events_parked_total',
    help: 'Events Kafka refused while accepting others; they stay unpublished in the outbox',
    registers: [registry],
  });
  new Gauge({
    name: 'gateway_outbox_lag_seconds',
    help: 'Age of the oldest event waiting in the outbox',
    registers: [registry],
    async collect() {
      let ms = sources.relayLagMs?.() ?? 0;
      if (sources.oldestUnpublishedAt) {
        const oldest = await sources.oldestUnpublishedAt().catch(() => null);
        if (oldest) ms = Math.max(ms, Date.now() - oldest.getTime());
      }
      this.set(Math.max(0, ms) / 1000);
    },
  });
  return {
    published: (topic, count) => published.inc({ topic }, count),
    failed: (kind) => failures.inc({ kind }),
    parked: (count) => parked.inc(count),
  };
}
