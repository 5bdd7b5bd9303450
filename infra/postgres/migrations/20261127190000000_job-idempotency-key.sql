-- Up Migration
-- A station that lost the answer to a job submission (thousands of images uploaded, then a timeout) sends it again
-- with the same Idempotency-Key and gets the job it already created instead of a second one. The key is unique per
-- submitter; the digest of the submission (options and items) tells a retry from a different job sent under a
-- reused key. Forward-only; jobs submitted without a key and before this change have neither.

ALTER TABLE jobs
  ADD COLUMN idempotency_key text CHECK (idempotency_key ~ '^[!-~]{1,255}$'),
  ADD COLUMN request_sha256 text CHECK (request_sha256 ~ '^[0-9a-f]{64}$'),
  ADD CONSTRAINT jobs_key_has_digest CHECK ((idempotency_key IS NULL) = (request_sha256 IS NULL));
CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (created_by, idempotency_key) WHERE idempotency_key IS NOT NULL;
COMMENT ON COLUMN jobs.idempotency_key IS 'Idempotency-Key header of the submission (1 to 255 visible ASCII characters), unique per created_by; null when none was sent.';
COMMENT ON COLUMN jobs.request_sha256 IS 'SHA-256 (hex) of the submission under the key: its options and its items (source names and object keys, in order); set exactly when idempotency_key is.';
