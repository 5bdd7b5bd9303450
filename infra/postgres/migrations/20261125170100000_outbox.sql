-- Up Migration
-- Transactional outbox: events are written in the same transaction as the records they describe and
-- published to Kafka later by the relay. Forward-only. Never edit this file after it has landed.

CREATE TABLE outbox (
  id           bigserial PRIMARY KEY,
  event_id     uuid NOT NULL UNIQUE,
  topic        text NOT NULL CHECK (topic ~ '^[a-z][a-z0-9_.-]*$'),
  key          text NOT NULL,
  payload      jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX outbox_topic_id ON outbox (topic, id);
COMMENT ON TABLE outbox IS 'Events waiting for (or already through) the Kafka relay. Order of id is the publish order; per key it is preserved.';
COMMENT ON COLUMN outbox.id IS 'Publish order (bigserial).';
COMMENT ON COLUMN outbox.event_id IS 'Event id (also inside the payload); consumers de-duplicate on it.';
COMMENT ON COLUMN outbox.topic IS 'Kafka topic: inspection.completed, inspection.defect, job.completed, model.lifecycle.';
COMMENT ON COLUMN outbox.key IS 'Kafka message key (station id or lot id; model name for model.lifecycle), so per-key order holds.';
COMMENT ON COLUMN outbox.payload IS 'Event JSON with schemaVersion, eventId, type and occurredAt.';
COMMENT ON COLUMN outbox.created_at IS 'When the event was written, database clock.';
COMMENT ON COLUMN outbox.published_at IS 'When Kafka acknowledged it; null while it waits (see index outbox_unpublished).';
