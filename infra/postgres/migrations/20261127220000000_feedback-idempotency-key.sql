-- Up Migration
-- A label sent again (the bench's network dropped the answer) with the same Idempotency-Key is recorded once: the
-- retry gets the label recorded the first time instead of a second feedback row and audit entry. Unique per
-- labeller (API key name); labels without a key are unaffected. Forward-only.

ALTER TABLE feedback ADD COLUMN idempotency_key text CHECK (idempotency_key ~ '^[!-~]{1,255}$');
CREATE UNIQUE INDEX feedback_idempotency_key ON feedback (actor_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
COMMENT ON COLUMN feedback.idempotency_key IS 'Idempotency-Key header of the request that recorded this label (1 to 255 visible ASCII characters), unique per actor_id; null when none was sent.';
