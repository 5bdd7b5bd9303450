-- Up Migration
-- Requests per API key and fixed window, shared by every gateway replica, so that RATE_LIMIT_PER_MINUTE holds per
-- key across the deployment instead of per replica. Each replica adds the requests it counted about once a second
-- and reads the total back; requests never wait on this table. Rows of past windows are deleted by the gateways.
-- Forward-only.

CREATE TABLE rate_limit_windows (
  key text NOT NULL,
  window_start timestamptz NOT NULL,
  hits integer NOT NULL CHECK (hits >= 0),
  PRIMARY KEY (key, window_start)
);
COMMENT ON TABLE rate_limit_windows IS 'Rate limiting: requests counted per API key and fixed window by all gateway replicas together.';
COMMENT ON COLUMN rate_limit_windows.key IS 'Who is limited: the API key''s name (or the client address before authentication).';
COMMENT ON COLUMN rate_limit_windows.window_start IS 'Start of the fixed window (the gateways'' clock, a multiple of the window length since the epoch).';
COMMENT ON COLUMN rate_limit_windows.hits IS 'Requests counted in the window by every replica, as of their last flush.';

CREATE INDEX rate_limit_windows_by_start ON rate_limit_windows (window_start);

GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limit_windows TO gateway_app;
