import { SCHEMA_VERSION } from './event-schema';
import type { OutboxRow } from './outbox-source';

/** One event on its way to the broker: what the relay hands a publisher (built from an outbox row). */
export interface OutgoingEvent {
  topic: string;
  /** The message key: all events of a key go to one partition, in the order given. */
  key: string;
  eventId: string;
  schemaVersion: number;
  /** The serialized envelope (JSON). */
  value: string;
}

/**
 * Sends events to the broker. `publish` resolves once every event is acknowledged by all in-sync replicas, in
 * the order given per key. It rejects with an `UnavailableError` (domain/errors) when the broker cannot be
 * reached or asks for a retry: the caller sends the same events again later. Any other error means the broker
 * refused the events as they are (too large, invalid topic, not authorized): sending them again as they are
 * will not help.
 */
export interface EventPublisher {
  connect(): Promise<void>;
  publish(events: readonly OutgoingEvent[]): Promise<void>;
  disconnect(): Promise<void>;
}

/** The event an outbox row carries: its payload (the envelope) as JSON, keyed, with its id and version. */
export function toOutgoingEvent(row: OutboxRow): OutgoingEvent {
  const payload = row.payload as { schemaVersion?: unknown } | null;
  const version = typeof payload?.schemaVersion === 'number' ? payload.schemaVersion : SCHEMA_VERSION;
  return {
    topic: row.topic,
    key: row.key,
    eventId: row.eventId,
    schemaVersion: version,
    value: typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload),
  };
}
