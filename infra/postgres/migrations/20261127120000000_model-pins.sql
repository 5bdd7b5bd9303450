-- Up Migration
-- Version pins (and rollbacks) are shared by every gateway replica and survive restarts: one row per pinned model,
-- written in the same transaction as the pin's audit entry. Forward-only.

CREATE TABLE model_pins (
  model_name text PRIMARY KEY,
  version    text NOT NULL CHECK (version ~ '^[1-9][0-9]{0,18}$'),
  pinned_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE model_pins IS 'The version every request for a model gets unless it names one; the audit trail holds who pinned it and why.';
COMMENT ON COLUMN model_pins.model_name IS 'Model name.';
COMMENT ON COLUMN model_pins.version IS 'Pinned version.';
COMMENT ON COLUMN model_pins.pinned_at IS 'When it was pinned (database clock).';

REVOKE ALL ON model_pins FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON model_pins TO gateway_app;
