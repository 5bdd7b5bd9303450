export {
  EVENT_TOPICS,
  SCHEMA_VERSION,
  createEvent,
  parseEvent,
  toOutboxRecord,
  type EventDataByTopic,
  type EventEnvelope,
  type EventTopic,
  type GatewayEvent,
} from './event-schema';
export type { OutboxRow, OutboxSource } from './outbox-source';
export { toOutgoingEvent, type EventPublisher, type OutgoingEvent } from './event-publisher';
export { OutboxRelay, type OutboxRelayOptions, type RelayStatus } from './outbox-relay';
export { KafkaPublisher, type KafkaPublisherOptions } from './kafka-publisher';
export { PostgresOutboxSource } from './postgres-outbox-source';
export { InMemoryOutboxSource } from './in-memory-outbox-source';
export { OutboxReader, parseOutboxPageQuery, type OutboxPage, type OutboxPageQuery } from './outbox-reader';
export { registerOutboxRelayMetrics, type OutboxRelayMetrics } from './relay-metrics';
export { eventsEnvShape, loadEventsConfig, toEventsConfig, type EventsConfig } from './events-config';
export { createEventRelay } from './event-relay-factory';
export type { SqlQueryable, SqlTransactor } from './sql-client';
