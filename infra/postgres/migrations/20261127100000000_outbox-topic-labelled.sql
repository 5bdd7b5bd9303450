-- Up Migration
-- A fifth topic: inspection.labelled, written with each feedback record. Only the column's description changes.

COMMENT ON COLUMN outbox.topic IS 'Kafka topic: inspection.completed, inspection.defect, job.completed, model.lifecycle, inspection.labelled.';
