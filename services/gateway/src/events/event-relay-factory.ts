import type { Logger } from 'pino';
import type { EventsConfig } from './events-config';
import { KafkaPublisher } from './kafka-publisher';
import { OutboxRelay } from './outbox-relay';
import type { OutboxRelayMetrics } from './relay-metrics';
import type { OutboxSource } from './outbox-source';

/**
 * Builds the relay the composition root starts — or nothing when no Kafka is configured (the embedded
 * default: events stay in the outbox and are read through GET /v1/events).
 */
export function createEventRelay(
  config: EventsConfig,
  deps: { source: OutboxSource; log: Logger; metrics?: OutboxRelayMetrics },
): OutboxRelay | undefined {
  if (!config.kafkaBrokers) return undefined;
  const log = deps.log.child({ component: 'events' });
  return new OutboxRelay({
    source: deps.source,
    publisher: new KafkaPublisher({ brokers: config.kafkaBrokers, clientId: config.kafkaClientId, log }),
    log,
    batchSize: config.relayBatchSize,
    pollIntervalMs: config.relayPollIntervalMs,
    metrics: deps.metrics,
  });
}
