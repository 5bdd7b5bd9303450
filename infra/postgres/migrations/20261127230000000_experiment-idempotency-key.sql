-- Up Migration
-- An experiment start sent again with the same Idempotency-Key (the answer was lost) gets the experiment started the
-- first time instead of a second replay or a 409 from its own A/B split. Unique per requester; the digest of the
-- request tells a retry from another experiment under a reused key. Forward-only.

ALTER TABLE experiments
  ADD COLUMN idempotency_key text CHECK (idempotency_key ~ '^[!-~]{1,255}$'),
  ADD COLUMN request_sha256 text CHECK (request_sha256 ~ '^[0-9a-f]{64}$'),
  ADD CONSTRAINT experiments_key_has_digest CHECK ((idempotency_key IS NULL) = (request_sha256 IS NULL));
CREATE UNIQUE INDEX experiments_idempotency_key ON experiments (created_by, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
COMMENT ON COLUMN experiments.idempotency_key IS 'Idempotency-Key header of the start request (1 to 255 visible ASCII characters), unique per created_by; null when none was sent.';
COMMENT ON COLUMN experiments.request_sha256 IS 'SHA-256 (hex) of the start request under the key (model, versions, filters, split, reason); set exactly when idempotency_key is.';
