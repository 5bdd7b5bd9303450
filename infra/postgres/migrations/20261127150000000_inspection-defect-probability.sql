-- Up Migration
-- Each decision keeps the defect probability it was decided on, so that drift of the model's scores can be read from
-- the records of every gateway replica, not only from one replica's in-memory window. Forward-only; rows recorded
-- before this change have none.

ALTER TABLE inspections ADD COLUMN defect_probability double precision
  CHECK (defect_probability >= 0 AND defect_probability <= 1);
COMMENT ON COLUMN inspections.defect_probability IS 'Calibrated defect probability the decision was taken on (the review band applies to it); null on rows recorded before it was kept.';
