-- Up Migration
-- A station that lost the answer to an inspection (a timeout, a dropped connection) sends the same request again
-- with the same Idempotency-Key header and gets the decision that was recorded the first time, instead of a second
-- decision for the same part. The key is unique per caller (API key name); rows without a key are unaffected.
-- Each decision also keeps the size of the inference batch it ran in, so that a replayed answer is the original
-- one field for field. Forward-only; rows recorded before this change have neither.

ALTER TABLE inspections
  ADD COLUMN idempotency_key text CHECK (idempotency_key ~ '^[!-~]{1,255}$'),
  ADD COLUMN batch_size integer CHECK (batch_size >= 1);
CREATE UNIQUE INDEX inspections_idempotency_key ON inspections (actor_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
COMMENT ON COLUMN inspections.idempotency_key IS 'Idempotency-Key header of the online request that asked for this decision (1 to 255 visible ASCII characters), unique per actor_id; null when none was sent and for batch-job items.';
COMMENT ON COLUMN inspections.batch_size IS 'Number of items in the inference batch this decision ran in, as returned to the caller; null on rows recorded before it was kept.';
